/**
 * The scripted run of `npm run demo:bridge -- --once` (and, step by step, test/e2e/sandbox-bridge.test.ts):
 * headless Chromium opens the sandbox with its backend process and, through the control page's Backend panel,
 * creates an actor from the backend, stops the backend (the GM's bridge backs off, then goes offline), starts
 * it again (the bridge returns by itself) and creates another actor. Each step checks the GM's frame, the
 * backend's side and the panel, and returns what it saw.
 */
import type { Browser } from "playwright-core";
import type { BackendControl } from "./backend-control";
import { launchChromium, openSandbox, type SandboxPage } from "./driver";
import type { Sandbox } from "./server";
import type { BridgeSnapshot, CreateActorOutcome, FrameSnapshot } from "./world";

const STEP_TIMEOUT = 10_000;
/** Reconnecting then offline takes 0.5-1 + 1-2 + 2-4 s with the demo's settings; the rest is slack. */
const OFFLINE_TIMEOUT = 20_000;
/** The backend's start (tsx) plus one offline probe (every 4 s). */
const BACK_TIMEOUT = 25_000;

export interface BridgeRun {
  sandbox: Sandbox;
  backend: BackendControl;
  page: SandboxPage;
}

export interface BootFacts {
  gm: BridgeSnapshot;
  players: (BridgeSnapshot | null)[];
  panelState: string;
  connections: string[];
}

export interface CreateFacts {
  outcome: Extract<CreateActorOutcome, { ok: true }>;
  actorsBefore: number;
  actors: NonNullable<BridgeSnapshot["actors"]>;
  panelLine: string;
  requestsOk: number;
}

export interface StopFacts {
  /** The GM's bridge states after the stop, in order, with ms since the click. */
  states: { state: string; afterMs: number }[];
  reconnectingAfterMs: number;
  offlineAfterMs: number;
  /** Failed attempts in a row when the bridge went offline (`status().attempts`). */
  attemptsAtOffline: number;
  notification: string;
  /** A create while the backend is stopped: refused, typed. */
  refused: CreateActorOutcome;
}

export interface StartFacts {
  url: string;
  starts: number;
  connectedAfterMs: number;
  notification: string;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until it returns a value (not undefined); rejects after `timeout` ms naming `what`. */
export async function until<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  timeout = STEP_TIMEOUT,
): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await sleep(50);
  }
}

const bridgeOf = (s: FrameSnapshot): BridgeSnapshot => {
  if (!s.bridge) throw new Error(`${s.userId}'s frame has no bridge snapshot (not booted?)`);
  return s.bridge;
};

async function clickBackend(page: SandboxPage, action: "create-actor" | "stop" | "start"): Promise<void> {
  await page.page.locator(`#backend-panel button[data-backend="${action}"]`).click();
}

const panelText = (page: SandboxPage, id: string) => page.page.locator(`#${id}`).innerText();

/** Clicks "Create an actor from the backend" and waits for the outcome in the backend and the GM's world. */
async function createActor(run: BridgeRun): Promise<CreateFacts> {
  const { backend, page } = run;
  const before = bridgeOf(await page.snapshot("gm"));
  const actorsBefore = before.actors?.length ?? 0;
  const outcomesBefore = backend.outcomes().length;
  await clickBackend(page, "create-actor");
  const outcome = await until("the backend's request came back", () => backend.outcomes()[outcomesBefore]);
  check(outcome.ok, `the backend's create failed: ${JSON.stringify(outcome)}`);
  check(/^Goblin \d+$/.test(outcome.result.name), `created ${outcome.result.name}`);
  check(outcome.result.uuid === `Actor.${outcome.result.id}`, `uuid ${outcome.result.uuid}`);
  const gm = await page.waitFor(
    "gm",
    `the GM's world holds ${outcome.result.name}`,
    (s) => s.bridge?.actors?.some((a) => a.id === outcome.result.id) === true,
  );
  const actors = bridgeOf(gm).actors ?? [];
  check(actors.length === actorsBefore + 1, `the GM holds ${actors.length} actors, not ${actorsBefore + 1}`);
  const panelLine = await until("the panel's log shows the result", async () => {
    const text = await panelText(page, "backend-log");
    return text.split("\n").find((l) => l.includes(outcome.result.uuid));
  });
  const requestsOk = bridgeOf(gm).requests["actors.create"]?.ok ?? 0;
  return { outcome, actorsBefore, actors, panelLine, requestsOk };
}

export const bridgeSteps = {
  async boot(run: BridgeRun): Promise<BootFacts> {
    const { page, backend } = run;
    const gmSnap = await page.waitFor(
      "gm",
      "the GM's bridge is connected",
      (s) => s.bridge?.state === "connected",
      20_000,
    );
    const players = await Promise.all((["p1", "p2"] as const).map((u) => page.snapshot(u)));
    for (const p of players)
      check(p.bridge?.state === "off", `${p.userId}'s bridge is ${p.bridge?.state}, not off`);
    const connections = await until("the backend sees one world", () => {
      const c = backend.info().connections;
      return c.length === 1 ? c : undefined;
    });
    const panelState = await until("the panel shows the GM's bridge connected", async () => {
      const text = (await panelText(page, "backend-state")).trim();
      return text === "connected" ? text : undefined;
    });
    return { gm: bridgeOf(gmSnap), players: players.map((p) => p.bridge), panelState, connections };
  },

  createActor,

  /** The GM's client pings the backend every `heartbeatInterval` (2 s in the sandbox): an RTT shows up. */
  async rtt(run: BridgeRun): Promise<number> {
    const gm = await run.page.waitFor(
      "gm",
      "the GM's bridge measured an RTT",
      (s) => s.bridge?.rttMs != null,
    );
    const rtt = bridgeOf(gm).rttMs;
    check(rtt !== null && rtt >= 0, `RTT ${rtt}`);
    const panel = await until("the panel shows the RTT", async () => {
      const text = (await panelText(run.page, "backend-rtt")).trim();
      return /^\d+(\.\d+)? ms$/.test(text) ? text : undefined;
    });
    check(panel.length > 0, "no RTT in the panel");
    return rtt;
  },

  async stopBackend(run: BridgeRun): Promise<StopFacts> {
    const { page, backend } = run;
    const from = bridgeOf(await page.snapshot("gm")).history.length;
    const t0 = Date.now();
    await clickBackend(page, "stop");
    await until("the backend process is stopped", () => (backend.info().running ? undefined : true));
    const gm = await page.waitFor(
      "gm",
      "the GM's bridge is offline",
      (s) => s.bridge?.state === "offline",
      OFFLINE_TIMEOUT,
    );
    const states = bridgeOf(gm)
      .history.slice(from)
      .map((h) => ({ state: h.state, afterMs: h.at - t0 }));
    const reconnecting = states.find((s) => s.state === "reconnecting");
    const offline = states.find((s) => s.state === "offline");
    check(reconnecting && offline, `the GM's bridge went ${JSON.stringify(states)}`);
    check(
      reconnecting.afterMs <= offline.afterMs,
      `offline came before reconnecting: ${JSON.stringify(states)}`,
    );
    const notification = await until("the GM is told the bridge is offline", async () =>
      (await page.snapshot("gm")).notifications.find(
        (n) => n.startsWith("warn:") && /bridge.*offline/i.test(n),
      ),
    );
    const outcomesBefore = backend.outcomes().length;
    await clickBackend(page, "create-actor");
    const refused = await until("the refused create is logged", () => backend.outcomes()[outcomesBefore]);
    check(!refused.ok, "a create succeeded with the backend stopped");
    return {
      states,
      reconnectingAfterMs: reconnecting.afterMs,
      offlineAfterMs: offline.afterMs,
      attemptsAtOffline: bridgeOf(gm).attempts,
      notification,
      refused,
    };
  },

  async startBackend(run: BridgeRun): Promise<StartFacts> {
    const { page, backend } = run;
    const url = backend.url;
    const notesBefore = (await page.snapshot("gm")).notifications.length;
    const t0 = Date.now();
    await clickBackend(page, "start");
    await page.waitFor(
      "gm",
      "the GM's bridge is connected again",
      (s) => s.bridge?.state === "connected",
      BACK_TIMEOUT,
    );
    const connectedAfterMs = Date.now() - t0;
    const info = backend.info();
    check(info.running && info.url === url, `the backend came back on ${info.url}, not ${url}`);
    const notification = await until("the GM is told the bridge is back", async () =>
      (await page.snapshot("gm")).notifications
        .slice(notesBefore)
        .find((n) => /bridge.*connected again/i.test(n)),
    );
    return { url: info.url, starts: info.starts, connectedAfterMs, notification };
  },
};

export interface BridgeScenarioReport {
  steps: number;
}

/** `npm run demo:bridge -- --once`: the whole run, with a short report through `log`. */
export async function runBridgeScenario(
  sandbox: Sandbox,
  opts: { log?: (line: string) => void } = {},
): Promise<BridgeScenarioReport> {
  const say = opts.log ?? (() => undefined);
  const backend = sandbox.backend;
  if (!backend) throw new Error("runBridgeScenario needs a sandbox started with { bridge: true }");
  let browser: Browser | null = null;
  let steps = 0;
  const step = async <T>(name: string, body: () => Promise<T>, show: (facts: T) => string) => {
    const t0 = performance.now();
    const facts = await body();
    steps++;
    say(`  ✔ ${name.padEnd(34)} ${show(facts)}  (${Math.round(performance.now() - t0)} ms)`);
    return facts;
  };
  const created = (f: CreateFacts) =>
    `${f.outcome.result.uuid} "${f.outcome.result.name}" in ${f.outcome.ms} ms; the GM holds ${f.actors.length} actor(s)`;

  try {
    browser = await launchChromium();
    const page = await openSandbox(browser, sandbox.url);
    const run: BridgeRun = { sandbox, backend, page };
    say("");
    say(
      `Headless Chromium opened the sandbox; the backend (pid ${backend.info().pid}) listens on ${backend.url}.`,
    );
    say("");
    await step(
      "boot: GM's bridge connected",
      () => bridgeSteps.boot(run),
      (f) => `GM connected to world "${f.connections[0]}", players off, panel says "${f.panelState}"`,
    );
    await step("create an actor from the backend", () => bridgeSteps.createActor(run), created);
    await step(
      "bridge heartbeat",
      () => bridgeSteps.rtt(run),
      (rtt) => `RTT ${rtt.toFixed(1)} ms`,
    );
    await step(
      "stop the backend",
      () => bridgeSteps.stopBackend(run),
      (f) =>
        `reconnecting after ${f.reconnectingAfterMs} ms, offline after ${f.offlineAfterMs} ms and ` +
        `${f.attemptsAtOffline} failures ` +
        `(${f.states.map((s) => s.state).join(" → ")}); a create meanwhile: ${f.refused.ok ? "ok?!" : f.refused.error.code}`,
    );
    await step(
      "start the backend",
      () => bridgeSteps.startBackend(run),
      (f) => `same URL, connected again ${f.connectedAfterMs} ms after the click (start #${f.starts})`,
    );
    await step("create another actor", () => bridgeSteps.createActor(run), created);

    const errors = page.problems.filter((p) => p.startsWith("page error"));
    check(errors.length === 0, `errors in the page:\n${errors.join("\n")}`);
    const gm = bridgeOf(await page.snapshot("gm"));
    say("");
    say(
      `  GM's bridge: ${gm.state}, RTT ${gm.rttMs === null ? "?" : `${gm.rttMs.toFixed(1)} ms`}, ` +
        `${gm.reconnectAttempts} reconnection attempts in all; requests ${JSON.stringify(gm.requests)}`,
    );
    say(`  The GM's world: ${(gm.actors ?? []).map((a) => a.name).join(", ")}`);
    return { steps };
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
