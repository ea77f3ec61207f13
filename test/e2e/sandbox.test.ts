/**
 * Browser tests: the sandbox (demo/sandbox/) in Debian's Chromium with playwright-core. Three frames, each a
 * simulated Foundry client with its own socket running the built module (dist/), on the simulated Foundry
 * relay. Screenshots go to artifacts/e2e/ (status-window.png, indicator.png, …).
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it); never downloads a browser.
 */
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  launchChromium,
  openSandbox,
  RTT_CELL,
  type SandboxPage,
} from "../../demo/sandbox/driver";
import { type Sandbox, startSandbox } from "../../demo/sandbox/server";
import {
  type FrameSnapshot,
  type LogEntry,
  type SandboxApi,
  UI_SELECTORS,
  USER_IDS,
  type UserId,
} from "../../demo/sandbox/world";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ARTIFACTS = join(REPO, "artifacts", "e2e");
const shot = (name: string) => join(ARTIFACTS, name);

let sandbox: Sandbox;
let browser: Browser;
let page: SandboxPage;

const connected = (s: FrameSnapshot) => s.state === "connected" && s.peers === 2;

async function allConnected(timeout = 15_000): Promise<void> {
  await Promise.all(USER_IDS.map((u) => page.waitFor(u, "connected with two peers", connected, timeout)));
}

/** Entries of that frame's log with `kind`, logged at or after `since`. */
function logSince(user: UserId, kind: LogEntry["kind"], since: number): Promise<LogEntry[]> {
  return page.run(
    user,
    ([k, t]) => (window.sandbox as SandboxApi).log.filter((e) => e.kind === k && e.at >= t),
    [kind, since] as const,
  );
}

beforeAll(async () => {
  // Fail fast, and say how to fix it, when Debian's Chromium is missing (no skipping).
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install Debian's package with \`apt-get install chromium\`.`,
    );
  }
  if (!existsSync(join(REPO, "dist", "socket-manager.js"))) {
    execSync("npm run build", { cwd: REPO, stdio: "pipe", timeout: 120_000 });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox({ port: 0 });
  browser = await launchChromium();
  page = await openSandbox(browser, sandbox.url, { viewport: { width: 1920, height: 1300 }, scale: 2 });
  await allConnected();
}, 120_000);

afterAll(async () => {
  if (page) {
    await page.screenshot(shot("sandbox.png")).catch(() => undefined);
    writeFileSync(shot("browser-console.txt"), `${page.problems.join("\n")}\n`);
  }
  await browser?.close().catch(() => undefined);
  await sandbox?.close();
}, 30_000);

describe("the browser sandbox (three Foundry clients in real Chromium)", () => {
  it("boots the built module in every frame, each with its own socket and the Live indicator", async () => {
    for (const user of USER_IDS) {
      const s = await page.snapshot(user);
      expect(s).toMatchObject({
        ready: true,
        error: null,
        transport: "native",
        state: "connected",
        peers: 2,
      });
      expect(s.indicator?.text).toBe("Live");
      expect(s.indicator?.className).toMatch(/\bsm-live\b/);
    }
    // Three frames, three sockets: the relay sees three users.
    expect(sandbox.info().connectedUsers.sort()).toEqual(["gm", "p1", "p2"]);
    await page.screenshot(shot("indicator.png"), { user: "gm", selector: UI_SELECTORS.indicator, pad: 24 });
  });

  it("a message crosses from one frame to another", async () => {
    const since = Date.now();
    const text = `hello from the e2e test ${since}`;
    const report = await page.run("p1", (t) => (window.sandbox as SandboxApi).emit(t), text);
    expect([...report.recipients].sort()).toEqual(["gm", "p2"]);
    for (const user of ["gm", "p2"] as const) {
      await page.frame(user).locator("#sandbox-log li", { hasText: text }).waitFor({ timeout: 10_000 });
      const [seen] = await logSince(user, "message", since);
      expect(seen).toMatchObject({ from: "p1", event: "chat", data: { text } });
      expect(seen!.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // A sender never receives its own broadcast.
    expect((await logSince("p1", "message", since)).filter((e) => e.from !== "p1")).toEqual([]);

    // The control page's button does the same.
    const before = await page.snapshot("p2");
    await page.click("gm", "emit");
    await page.waitFor("p2", "Player Two hears the GM", (s) => s.chats === before.chats + 1);
  });

  it("a player's request is answered by the GM", async () => {
    const gmBefore = await page.snapshot("gm");
    const answer = await page.run("p2", (n) => (window.sandbox as SandboxApi).request(n), 4);
    expect(answer.rolledBy).toBe("Gamemaster");
    expect(answer.dice).toHaveLength(4);
    expect(answer.total).toBe(answer.dice.reduce((a, b) => a + b, 0));
    const gm = await page.snapshot("gm");
    expect(gm.requestsHandled).toBe(gmBefore.requestsHandled + 1);
    await page
      .frame("p2")
      .locator("#sandbox-log li", { hasText: `Gamemaster rolled ${answer.dice.join("+")}` })
      .waitFor({ timeout: 5_000 });
  });

  it("the shared initiative: a player proposes, the GM applies, every frame shows it; a reloaded page has it at once", async () => {
    const before = await page.snapshot("gm");
    // Nothing changed it yet: every frame holds the GM's `initial` at version 0 and shows it, not "waiting".
    expect(before.initiative?.version).toBe(0);
    for (const u of USER_IDS)
      await page
        .frame(u)
        .locator("#shared-summary", { hasText: "Round 1 · version 0" })
        .waitFor({ timeout: 10_000 });
    const version = await page.run("p1", () => (window.sandbox as SandboxApi).nextTurn(), null);
    for (const u of USER_IDS) {
      await page.waitFor(u, `it holds version ${version}`, (s) => s.initiative?.version === version);
    }
    const gm = await page.snapshot("gm");
    expect(gm.initiative?.turn).toBe(((before.initiative?.turn ?? 0) + 1) % 4);
    await page
      .frame("p2")
      .locator("#shared-combatants li.current")
      .filter({
        hasText: ["Goblin archer", "Aria (Player One)", "Borin (Player Two)", "Goblin boss"][
          gm.initiative?.turn ?? 0
        ],
      })
      .waitFor({ timeout: 5_000 });
    // Player Two's page reloads: a late joiner, which gets the GM's state, not the initial one. The old page
    // is marked, so that a snapshot taken before the navigation cannot pass for the new page's.
    await page.frame("p2").evaluate(() => {
      (window as unknown as { beforeReload?: boolean }).beforeReload = true;
      setTimeout(() => location.reload(), 0);
    });
    let late: FrameSnapshot | null = null;
    for (let i = 0; i < 300 && !late?.initiative?.synced; i++) {
      // While the page reloads its frame may be gone or half built: try again.
      late = await page
        .run(
          "p2",
          () => {
            if ((window as unknown as { beforeReload?: boolean }).beforeReload) return null;
            const sandbox = window.sandbox as SandboxApi | undefined;
            return sandbox?.ready ? sandbox.snapshot() : null;
          },
          null,
        )
        .catch(() => null);
      if (!late?.initiative?.synced) await new Promise((r) => setTimeout(r, 50));
    }
    expect(late?.initiative).toMatchObject({
      version,
      turn: gm.initiative?.turn,
      round: gm.initiative?.round,
    });
    // The others see Player Two back before the next test.
    for (const u of ["gm", "p1"] as const) await page.waitFor(u, "Player Two is back", connected);
  });

  it("a flood of 500 messages from one frame arrives whole in the others", async () => {
    const before = await Promise.all(USER_IDS.map((u) => page.snapshot(u)));
    const frames0 = sandbox.relay.framesRelayed;
    const sent = await page.run("p1", (n) => (window.sandbox as SandboxApi).flood(n), 500);
    expect(sent.sent).toBe(500);
    await page.waitFor("gm", "the GM got 500", (s) => s.floodReceived === before[0]!.floodReceived + 500);
    await page.waitFor("p2", "Player Two got 500", (s) => s.floodReceived === before[2]!.floodReceived + 500);
    // Batching: far fewer frames than messages crossed the relay.
    expect(sandbox.relay.framesRelayed - frames0).toBeLessThan(100);
  });

  it("the status window renders peers with RTT", async () => {
    await page.click("gm", "status");
    const gm = page.frame("gm");
    const win = gm.locator(UI_SELECTORS.statusWindow);
    await win.waitFor({ state: "visible", timeout: 10_000 });
    // Heartbeats every 2 s in the sandbox: both players' rows get a round-trip time in milliseconds.
    const rttOf = async (name: string) =>
      (await page.statusRows("gm")).find((r) => r[0] === name)?.find((cell) => RTT_CELL.test(cell)) ?? null;
    for (const name of ["Player One", "Player Two"]) {
      await expect.poll(() => rttOf(name), { timeout: 15_000, interval: 200 }).toMatch(RTT_CELL);
    }
    expect(await win.textContent()).toContain("Live");
    await page.screenshot(shot("status-window.png"), {
      user: "gm",
      selector: UI_SELECTORS.statusWindow,
      pad: 8,
    });
  });

  it("cutting a client shows Reconnecting, and it recovers", async () => {
    await page.click("p2", "disconnect");
    const cut = await page.waitFor(
      "p2",
      "Player Two shows Reconnecting",
      (s) => s.state === "reconnecting" && s.indicator?.text === "Reconnecting",
    );
    expect(cut.indicator?.className).toMatch(/\bsm-reconnecting\b/);
    await page.waitFor("gm", "the GM sees Player Two leave", (s) => s.peers === 1);
    await page.screenshot(shot("indicator-reconnecting.png"), {
      user: "p2",
      selector: UI_SELECTORS.indicator,
      pad: 24,
    });
    await page.screenshot(shot("sandbox-cut.png"));

    await page.click("p2", "reconnect");
    await allConnected();
    const back = await page.snapshot("p2");
    expect(back.indicator?.text).toBe("Live");
    // The recovered client talks again.
    const since = Date.now();
    await page.run("p2", (t) => (window.sandbox as SandboxApi).emit(t), "back again");
    await expect
      .poll(() => logSince("gm", "message", since).then((l) => l.length), { timeout: 10_000 })
      .toBe(1);
  });

  it("restarting the server: every client goes Reconnecting and comes back", async () => {
    await sandbox.relay.stop();
    await Promise.all(
      USER_IDS.map((u) =>
        page.waitFor(u, "Reconnecting while the server is down", (s) => s.indicator?.text === "Reconnecting"),
      ),
    );
    await sandbox.relay.restart();
    await allConnected(20_000);
    const since = Date.now();
    await page.clickServer("restart");
    // The button returns before the server goes down: wait until every frame has lost the connection and
    // got it back, or a message could be sent into the old, dying connection (only reliable ones survive that).
    for (const user of USER_IDS) {
      await expect
        .poll(
          () =>
            logSince(user, "state", since).then(
              (l) =>
                l.some((e) => e.text.includes("reconnecting")) &&
                l.at(-1)?.text.includes("connected (") === true,
            ),
          { timeout: 20_000 },
        )
        .toBe(true);
    }
    await allConnected(20_000);
    await page.run("gm", (t) => (window.sandbox as SandboxApi).emit(t), "after the restart");
    for (const user of ["p1", "p2"] as const) {
      await expect
        .poll(() => logSince(user, "message", since).then((l) => l.length), { timeout: 10_000 })
        .toBe(1);
    }
    expect(page.problems.filter((p) => p.startsWith("page error"))).toEqual([]);
  });
});
