/**
 * 8. Throughput between real browser clients: the sandbox's client page (demo/sandbox) opened twice in Debian's
 * Chromium, as the GM and a player, each in its own tab (its own renderer process) running the built bundle,
 * with the relay in a process of its own (the sandbox started in bench/relay-process.ts, with socket.io's
 * default heartbeat), as a Foundry server would be. Same comparison as section 1: raw
 * socket.io, one message per emit, against Socket Manager with defaults (receive rate limit lifted).
 * Foundry's clients are browsers, whose V8 is newer than Node 20's; this shows what that changes.
 * The pages are driven over a bare DevTools connection (bench/cdp.ts), never with the Network domain on, and a
 * run waits as long as messages keep arriving: it fails only after STALL_MS without progress.
 */
import { type CdpBrowser, type CdpPage, launchCdpChromium } from "./cdp";
import { type Failure, failure, log, makePayload } from "./common";
import type { RelayHost } from "./relay-control";
import { median, round } from "./stats";

type Contender = "raw" | "native";
const RAW_EVENT = "module.sandbox-bench";
const BOOT_TIMEOUT_MS = 30_000;
/** A run fails when no message arrived for this long; it names the contender and the count. */
const STALL_MS = 15_000;
const POLL_MS = 100;
/**
 * Runs of one repetition lost to a dropped socket before the section fails. A raw socket.io client that
 * floods loses what was in flight when the server drops it, and nothing is sent again: the run is void.
 */
const MAX_LOST_RUNS = 2;

export interface BrowserThroughputResult {
  browser: string;
  messages: number;
  repetitions: number;
  messagesPerSecond: Record<Contender, number>;
  runs: Record<Contender, number[]>;
  /** Median of the per-repetition ratios (Socket Manager ÷ raw). */
  ratioToRaw: number;
  /** Runs repeated because a page's socket was dropped and reconnected meanwhile, per contender. */
  lostRuns: Record<Contender, number>;
  /** Section 6 in a third tab: the local transport's loopback, 200,000 messages (chunked) per run. */
  pipeline: { messages: number; messagesPerSecond: number; runs: number[] };
}

function openClient(browser: CdpBrowser, url: string, user: string): Promise<CdpPage> {
  return browser.open(
    `${url}client.html?user=${user}`,
    'document.body?.dataset.ready === "true"',
    BOOT_TIMEOUT_MS,
  );
}

/**
 * Page-side code, as plain JavaScript text: functions passed to `page.evaluate` are serialised, and tsx's
 * transform would wrap inner named functions in a helper the page does not have.
 */
const PAGE_SCRIPT = `
window.benchState = { target: Infinity, count: 0, doneAt: 0 };
// Reconnections after the script is installed (a reconnected socket has lost what was sent meanwhile).
window.benchReconnects = 0;
game.socket.on("connect", function () { window.benchReconnects++; });
window.benchHit = function () {
  const s = window.benchState;
  if (++s.count === s.target) s.doneAt = performance.timeOrigin + performance.now();
};
window.benchReceive = function (rawEvent) {
  game.socket.on(rawEvent, window.benchHit);
  const api = window.sandbox.api();
  api.configure({ rateLimit: 10000000, rateBurst: 10000000 });
  api.channel("bench").on("move", window.benchHit);
};
window.benchArm = function (target) {
  window.benchState = { target: target, count: 0, doneAt: 0 };
};
// The same token update as bench/common.ts makePayload().
window.benchPayload = function (i) {
  return { i, scene: "Scene.k3J9dQe2LmP0aXz", token: "Token.Zq81nB4cVw7uYt0", x: 1000 + (i % 977),
    y: 2000 + (i % 613), elevation: 0, rotation: (i * 15) % 360, hidden: false,
    note: "Goblin archer moves behind the crates and readies a bow" };
};
// The "chunked" pattern of bench/common.ts sendAll(): 1,000 sends per task.
window.benchChunked = async function (n, send) {
  // A macrotask without setTimeout's 4 ms clamp.
  const port = new MessageChannel();
  const nextTask = () => new Promise((resolve) => { port.port1.onmessage = () => resolve(); port.port2.postMessage(0); });
  for (let start = 0; start < n; start += 1000) {
    const end = Math.min(n, start + 1000);
    for (let i = start; i < end; i++) send(i);
    await nextTask();
  }
  port.port1.close();
};
window.benchSend = async function (n, contender, rawEvent) {
  const channel = window.sandbox.api().channel("bench");
  const t0 = performance.timeOrigin + performance.now();
  await window.benchChunked(n, (i) => {
    if (contender === "raw") game.socket.emit(rawEvent, window.benchPayload(i));
    else channel.emit("move", window.benchPayload(i));
  });
  return t0;
};
// Section 6 in the browser: this page switches to local mode and floods its own loopback; resolves msg/s.
window.benchLocal = async function (n) {
  const api = window.sandbox.api();
  if (api.transport !== "local") api.local.enable();
  api.configure({ rateLimit: 10000000, rateBurst: 10000000 });
  const channel = api.channel("bench-local");
  let count = 0;
  let finish;
  const done = new Promise((resolve) => { finish = resolve; });
  const off = channel.on("move", () => { if (++count === n) finish(performance.now()); });
  const t0 = performance.now();
  await window.benchChunked(n, (i) => channel.emit("move", window.benchPayload(i)));
  const timeout = new Promise((resolve) => setTimeout(() => resolve(NaN), 60000));
  const at = await Promise.race([done, timeout]);
  off();
  return Math.round((n / (at - t0)) * 1000);
};
`;

/** How often each page's socket reconnected since the script was installed. */
function reconnects(gm: CdpPage, player: CdpPage): Promise<number[]> {
  return Promise.all([gm, player].map((p) => p.evaluate<number>("window.benchReconnects")));
}

/**
 * One run: arm the GM's counter, send n messages from the player's page in chunks, and follow the count until
 * the last arrives (or none arrives for STALL_MS). "lost" when a page's socket reconnected meanwhile.
 */
async function runOnce(
  gm: CdpPage,
  player: CdpPage,
  contender: Contender,
  n: number,
): Promise<number | "lost"> {
  const before = (await reconnects(gm, player)).join();
  await gm.evaluate(`window.benchArm(${n})`);
  const startedAt = await player.evaluate<number>(
    `window.benchSend(${n}, ${JSON.stringify(contender)}, ${JSON.stringify(RAW_EVENT)})`,
  );
  let last = -1;
  let lastProgress = Date.now();
  for (;;) {
    const state = await gm.evaluate<{ count: number; doneAt: number }>(
      "({ count: window.benchState.count, doneAt: window.benchState.doneAt })",
    );
    if (state.doneAt) return Math.round((n / (state.doneAt - startedAt)) * 1000);
    if (state.count !== last) {
      last = state.count;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > STALL_MS) {
      if ((await reconnects(gm, player)).join() !== before) return "lost";
      const link = (page: CdpPage) =>
        page.evaluate<string>("game.socket.connected ? 'connected' : 'disconnected'").catch(() => "unknown");
      throw new Error(
        `${contender}: ${state.count} of ${n} messages arrived, then none for ${STALL_MS / 1000} s ` +
          `(the GM's socket ${await link(gm)}, the player's ${await link(player)}, neither reconnected)`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A run that counts: one lost to a dropped socket is repeated, up to MAX_LOST_RUNS times. */
async function countedRun(
  gm: CdpPage,
  player: CdpPage,
  contender: Contender,
  n: number,
  lost: Record<Contender, number>,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const rate = await runOnce(gm, player, contender, n);
    if (rate !== "lost") return rate;
    lost[contender]++;
    if (attempt >= MAX_LOST_RUNS)
      throw new Error(`${contender}: ${attempt + 1} runs in a row lost to a dropped and reconnected socket`);
    log(`browser ${contender}: a page's socket was dropped and reconnected during the run; running it again`);
  }
}

export async function benchBrowser(
  host: RelayHost,
  opts: {
    messages: number;
    repetitions: number;
    warmup: number;
    pipelineMessages: number;
  },
): Promise<BrowserThroughputResult | Failure> {
  let browser: CdpBrowser | null = null;
  try {
    const url = await host.sandbox();
    browser = await launchCdpChromium();
    const gm = await openClient(browser, url, "gm");
    const player = await openClient(browser, url, "p1");
    for (const page of [gm, player]) await page.evaluate(`${PAGE_SCRIPT}\ntrue`);
    const inPage = await player.evaluate<string>("JSON.stringify(window.benchPayload(7))");
    if (inPage !== JSON.stringify(makePayload(7))) {
      throw new Error(`the page's payload differs from bench/common.ts makePayload(): ${inPage}`);
    }
    await gm.evaluate(`window.benchReceive(${JSON.stringify(RAW_EVENT)})`);
    const contenders: Contender[] = ["raw", "native"];
    const lostRuns: Record<Contender, number> = { raw: 0, native: 0 };
    for (const c of contenders) await countedRun(gm, player, c, opts.warmup, lostRuns);
    const runs: Record<Contender, number[]> = { raw: [], native: [] };
    for (let rep = 0; rep < opts.repetitions; rep++) {
      for (const c of rep % 2 === 0 ? contenders : [...contenders].reverse()) {
        const rate = await countedRun(gm, player, c, opts.messages, lostRuns);
        runs[c].push(rate);
        log(`browser ${rep + 1}/${opts.repetitions} ${c.padEnd(6)} ${rate.toLocaleString("en-US")} msg/s`);
      }
    }
    const ratios = runs.native.map((v, i) => v / (runs.raw[i] ?? Number.NaN));
    // The in-process pipeline, in a tab of its own that leaves the network for local mode.
    await Promise.all([gm.close(), player.close()]);
    const local = await openClient(browser, url, "p2");
    await local.evaluate(`${PAGE_SCRIPT}\ntrue`);
    const localRun = (n: number) => local.evaluate<number>(`window.benchLocal(${n})`);
    await localRun(opts.pipelineMessages / 4);
    const pipelineRuns: number[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      const rate = await localRun(opts.pipelineMessages);
      if (!Number.isFinite(rate)) throw new Error("the in-browser pipeline run did not finish within 60 s");
      pipelineRuns.push(rate);
      log(`browser pipeline ${rep + 1}/${opts.repetitions} ${rate.toLocaleString("en-US")} msg/s`);
    }
    return {
      browser: browser.version,
      messages: opts.messages,
      repetitions: opts.repetitions,
      messagesPerSecond: { raw: median(runs.raw), native: median(runs.native) },
      runs,
      ratioToRaw: round(median(ratios)),
      lostRuns,
      pipeline: {
        messages: opts.pipelineMessages,
        messagesPerSecond: median(pipelineRuns),
        runs: pipelineRuns,
      },
    };
  } catch (e) {
    return failure(e);
  } finally {
    await browser?.close().catch(() => {});
  }
}
