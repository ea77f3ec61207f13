/**
 * The scripted scenario of `npm run demo -- --once`: headless Chromium opens the sandbox and, through the
 * control page's buttons, has the clients emit across frames, ask the GM, flood, lose and regain a
 * client's connection, and survive a server restart; every step is checked in the frames themselves.
 */
import type { Browser } from "playwright-core";
import { launchChromium, openSandbox, RTT_CELL, type SandboxPage } from "./driver";
import type { Sandbox } from "./server";
import { type FrameSnapshot, type LogEntry, type SandboxApi, USER_IDS, USERS, type UserId } from "./world";

const STEP_TIMEOUT = 10_000;
const FLOOD = 500;

export interface ScenarioOptions {
  log?: (line: string) => void;
}

export interface ScenarioReport {
  steps: number;
  rows: { step: string; result: string; ms: number }[];
}

const nameOf = (id: string) => USERS.find((u) => u.id === id)?.name ?? id;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The first log entry of that kind logged at or after `since` (ms since epoch) in that frame, polled. */
async function nextLog(
  page: SandboxPage,
  user: UserId,
  kind: LogEntry["kind"],
  since: number,
  timeout = STEP_TIMEOUT,
): Promise<LogEntry> {
  const end = Date.now() + timeout;
  for (;;) {
    const entry = await page.run(
      user,
      ([k, t]) => (window.sandbox as SandboxApi).log.find((e) => e.kind === k && e.at >= t) ?? null,
      [kind, since] as const,
    );
    if (entry) return entry;
    if (Date.now() > end) throw new Error(`${user} logged no "${kind}" entry within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const connected = (s: FrameSnapshot) => s.state === "connected" && s.peers === 2;

async function allConnected(page: SandboxPage, what: string, timeout = STEP_TIMEOUT): Promise<void> {
  await Promise.all(USER_IDS.map((u) => page.waitFor(u, what, connected, timeout)));
}

export async function runScenario(sandbox: Sandbox, opts: ScenarioOptions = {}): Promise<ScenarioReport> {
  const say = opts.log ?? (() => undefined);
  const rows: ScenarioReport["rows"] = [];
  let browser: Browser | null = null;

  const step = async (name: string, body: () => Promise<string>) => {
    const t0 = performance.now();
    const result = await body();
    const ms = Math.round(performance.now() - t0);
    rows.push({ step: name, result, ms });
    say(`  ✔ ${name.padEnd(34)} ${result}  (${ms} ms)`);
  };

  try {
    browser = await launchChromium();
    const page = await openSandbox(browser, sandbox.url);
    say("");
    say("Headless Chromium opened the sandbox: three frames, each its own socket and copy of the module.");
    say("");

    await step("boot: GM and two players", async () => {
      await allConnected(page, "every client is connected and sees two peers");
      const snaps = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
      for (const s of snaps) {
        check(s.transport === "native", `${s.userId}: transport ${s.transport}`);
        check(s.indicator, `${s.userId}: the module's connection indicator is not on the page`);
        check(/sm-live/.test(s.indicator.className), `${s.userId}: indicator ${JSON.stringify(s.indicator)}`);
      }
      return `native transport, indicator "${snaps[0]!.indicator!.text}" in all three frames`;
    });

    await step("emit: Player One → everyone else", async () => {
      const before = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
      const since = Date.now();
      await page.click("p1", "emit");
      await Promise.all([
        page.waitFor("gm", "the GM got the chat", (s) => s.chats === before[0]!.chats + 1),
        page.waitFor("p2", "Player Two got the chat", (s) => s.chats === before[2]!.chats + 1),
      ]);
      const seen = await nextLog(page, "gm", "message", since);
      check(seen.from === "p1", `the GM's chat came from ${seen.from}`);
      const p1 = await page.snapshot("p1");
      check(p1.chats === before[1]!.chats, "the sender received its own message");
      return `"${seen.text}" reached the GM (${Math.round(seen.latencyMs ?? 0)} ms) and Player Two`;
    });

    await step("request: Player Two asks the GM", async () => {
      const before = await page.snapshot("gm");
      const since = Date.now();
      await page.click("p2", "request");
      await page.waitFor("gm", "the GM answered", (s) => s.requestsHandled === before.requestsHandled + 1);
      const answer = await nextLog(page, "p2", "answer", since);
      return `${answer.text} (round trip ${Math.round(answer.latencyMs ?? 0)} ms)`;
    });

    await step(`flood: Player One sends ${FLOOD}`, async () => {
      const before = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
      const frames0 = sandbox.relay.framesRelayed;
      const t0 = performance.now();
      await page.click("p1", "flood");
      await Promise.all([
        page.waitFor(
          "gm",
          "the GM got the flood",
          (s) => s.floodReceived === before[0]!.floodReceived + FLOOD,
        ),
        page.waitFor(
          "p2",
          "Player Two got the flood",
          (s) => s.floodReceived === before[2]!.floodReceived + FLOOD,
        ),
      ]);
      const ms = Math.round(performance.now() - t0);
      const frames = sandbox.relay.framesRelayed - frames0;
      return `${FLOOD} messages reached both others in ${ms} ms, ≈${frames} relayed frames (heartbeats included)`;
    });

    await step("status window on the GM", async () => {
      await page.click("gm", "status");
      await page.waitFor("gm", "the status window is open", (s) => s.statusWindowOpen);
      // Heartbeats every 2 s in the sandbox: each player's row gets a round-trip time.
      const end = Date.now() + STEP_TIMEOUT;
      for (;;) {
        const rows = await page.statusRows("gm");
        const rtts = ["Player One", "Player Two"].map((name) =>
          rows.find((r) => r[0] === name)?.find((cell) => RTT_CELL.test(cell)),
        );
        if (rtts.every(Boolean)) return `open; round trips: Player One ${rtts[0]}, Player Two ${rtts[1]}`;
        if (Date.now() > end)
          throw new Error(`the status window shows no RTT per peer: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    await step("disconnect Player Two", async () => {
      await page.click("p2", "disconnect");
      const p2 = await page.waitFor(
        "p2",
        "Player Two shows Reconnecting",
        (s) => s.state === "reconnecting" && /sm-reconnecting/.test(s.indicator?.className ?? ""),
      );
      await page.waitFor("gm", "the GM sees Player Two leave", (s) => s.peers === 1);
      return `Player Two: ${p2.state}, indicator "${p2.indicator?.text}"; the GM sees 1 peer`;
    });

    await step("reconnect Player Two", async () => {
      const t0 = performance.now();
      await page.click("p2", "reconnect");
      await allConnected(page, "everyone is back");
      const ms = Math.round(performance.now() - t0);
      const before = await page.snapshot("gm");
      await page.run("p2", (t) => (window.sandbox as SandboxApi).emit(t), "back online");
      await page.waitFor("gm", "the GM hears Player Two again", (s) => s.chats === before.chats + 1);
      const p2 = await page.snapshot("p2");
      return `live again after ${ms} ms (indicator "${p2.indicator?.text}"), and its next message arrives`;
    });

    await step("restart the server", async () => {
      const t0 = performance.now();
      await page.clickServer("restart");
      await Promise.all(
        USER_IDS.map((u) => page.waitFor(u, "the client noticed the outage", (s) => s.state !== "connected")),
      ).catch(() => undefined); // the outage lasts a second; a slow poll may miss it
      await allConnected(page, "every client reconnected after the restart", 20_000);
      const ms = Math.round(performance.now() - t0);
      const before = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
      await page.click("gm", "emit");
      await Promise.all([
        page.waitFor("p1", "Player One hears the GM", (s) => s.chats === before[1]!.chats + 1),
        page.waitFor("p2", "Player Two hears the GM", (s) => s.chats === before[2]!.chats + 1),
      ]);
      const handled = before[0]!.requestsHandled;
      const answer = await page.run("p1", (n) => (window.sandbox as SandboxApi).request(n), 2);
      await page.waitFor("gm", "the GM answered", (s) => s.requestsHandled === handled + 1);
      return `all three back in ${ms} ms; chat and requests work (${answer.dice.join("+")} = ${answer.total})`;
    });

    const errors = page.problems.filter((p) => p.startsWith("page error"));
    check(errors.length === 0, `errors in the page:\n${errors.join("\n")}`);
    const final = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
    say("");
    say("  Client        state      peers  chats  flood  requests answered   RTT to peers");
    for (const s of final) {
      const rtts = Object.entries(s.peerRtts)
        .map(([id, rtt]) => `${nameOf(id)} ${rtt === null ? "?" : `${Math.round(rtt)} ms`}`)
        .join(", ");
      say(
        `  ${nameOf(s.userId).padEnd(12)}  ${String(s.state).padEnd(9)}  ${String(s.peers).padStart(5)}  ${String(
          s.chats,
        ).padStart(
          5,
        )}  ${String(s.floodReceived).padStart(5)}  ${String(s.requestsHandled).padStart(17)}   ${rtts}`,
      );
    }
    say(`  The relay carried ${sandbox.relay.framesRelayed} frames, ${sandbox.relay.bytesRelayed} bytes.`);
    return { steps: rows.length, rows };
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
