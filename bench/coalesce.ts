/**
 * 4. Coalescing: 20 tokens moving at 60 Hz for 5 s on real timers, over real sockets. Five streams run side by
 * side, each on its own relay (so the relay counts each stream's frames and bytes alone) and all fed by the
 * same tick: raw one-message-per-emit, and Socket Manager with/without `coalesce` keys at normal and low
 * priority, plus the keyed stream once more with a GM-raised `batchTimeout` (the window caps how many ticks
 * a key can fold into one frame). Every stream must deliver each token's last position.
 */

import type { Priority } from "../src/contract/types";
import type { SimClient } from "../test/harness/client";
import type { Peer } from "../test/harness/managers";
import {
  CHANNEL,
  closeAll,
  connectClients,
  EVENT,
  type Failure,
  failure,
  log,
  sleep,
  startPeers,
} from "./common";
import type { RelayHost } from "./relay-control";
import { median, round } from "./stats";
import { THROUGHPUT_USERS } from "./throughput";

export const TOKENS = 20;
export const HZ = 60;
export const SECONDS = 5;
const TICKS = HZ * SECONDS;

type StreamName = "raw" | "normal" | "normal-keyed" | "low" | "low-keyed" | "normal-keyed-wide";
const STREAMS: readonly StreamName[] = [
  "raw",
  "normal",
  "normal-keyed",
  "low",
  "low-keyed",
  "normal-keyed-wide",
];
/** The "normal-keyed-wide" stream's batch window: what a GM would set to fold more ticks per frame. */
export const WIDE_WINDOW_MS = 200;

interface Position {
  x: number;
  y: number;
}

interface Stream {
  name: StreamName;
  relay: string;
  /** Last position each token was sent to / received at. */
  sent: Map<string, Position>;
  received: Map<string, Position>;
  receivedCount: number;
  send(token: string, pos: Position): void;
  sender?: Peer;
  close(): void;
}

export interface StreamRun {
  frames: number;
  bytes: number;
  /** Envelopes (messages) that reached the receiver. */
  delivered: number;
  /** Sender-side: updates replaced before they were sent. */
  coalesced: number;
  finalPositionsCorrect: number;
}

export interface StreamSummary {
  frames: number;
  bytes: number;
  delivered: number;
  coalesced: number;
  /** Worst repetition: tokens whose last delivered position equals the last sent. */
  finalPositionsCorrect: number;
}

/** How many times fewer frames, bytes and delivered messages one stream has than another. */
export interface Cut {
  frames: number;
  bytes: number;
  messages: number;
}

export interface CoalesceResult {
  tokens: number;
  hz: number;
  seconds: number;
  updatesSent: number;
  batchTimeoutMs: number;
  wideBatchTimeoutMs: number;
  repetitions: number;
  streams: Record<StreamName, StreamSummary>;
  /** Frame and byte reductions: "a vs b" = b / a. */
  cuts: {
    /** The comparison: same stream (low priority) with keys vs without. */
    lowKeyedVsLow: Cut;
    /** Default options with keys (which wait for the window) vs default options without keys. */
    normalKeyedVsNormal: Cut;
    /** Keys with batchTimeout WIDE_WINDOW_MS vs default options without keys. */
    wideKeyedVsNormal: Cut;
    /** Against what a module does without Socket Manager: one socket message per update. */
    lowKeyedVsRaw: Cut;
    normalKeyedVsRaw: Cut;
  };
  runs: (Record<StreamName, StreamRun> | Failure)[];
}

const tokenId = (i: number) => `Token.t${String(i).padStart(2, "0")}`;

async function makeStream(host: RelayHost, name: StreamName): Promise<Stream> {
  const relay = `co-${name}`;
  const url = await host.start(relay);
  const clients = await connectClients(url, THROUGHPUT_USERS);
  const [gm, player] = clients as [SimClient, SimClient];
  const stream: Stream = {
    name,
    relay,
    sent: new Map(),
    received: new Map(),
    receivedCount: 0,
    send: () => {},
    close: () => closeAll(clients),
  };
  const onPosition = (data: unknown) => {
    const d = data as { id: string; x: number; y: number };
    stream.receivedCount++;
    stream.received.set(d.id, { x: d.x, y: d.y });
  };
  if (name === "raw") {
    gm.socket.on(EVENT, onPosition);
    stream.send = (id, pos) => {
      player.socket.emit(EVENT, { id, ...pos });
    };
    return stream;
  }
  // Default configuration (coalescing is a per-message option), except the one stream with a wider window.
  const peers = await startPeers(
    clients,
    name === "normal-keyed-wide" ? { batchTimeout: WIDE_WINDOW_MS } : {},
  );
  const [gmPeer, playerPeer] = peers as [Peer, Peer];
  gmPeer.api.channel(CHANNEL).on("token", onPosition);
  const channel = playerPeer.api.channel(CHANNEL);
  const priority: Priority = name.startsWith("low") ? "low" : "normal";
  const keyed = name.includes("keyed");
  stream.sender = playerPeer;
  stream.send = (id, pos) => {
    // "normal-keyed" passes no priority: what a module author writes (coalesced streams then wait for the
    // batch window by default); the other streams name their priority.
    const options = keyed
      ? priority === "normal"
        ? { coalesce: id }
        : { priority, coalesce: id }
      : { priority };
    void channel.emit("token", { id, ...pos }, options);
  };
  stream.close = () => closeAll(clients, peers);
  return stream;
}

function correct(s: Stream): number {
  let n = 0;
  for (const [id, pos] of s.sent) {
    const got = s.received.get(id);
    if (got && got.x === pos.x && got.y === pos.y) n++;
  }
  return n;
}

async function runOnce(
  host: RelayHost,
  streams: Stream[],
  rep: number,
): Promise<Record<StreamName, StreamRun>> {
  const before = new Map<StreamName, number>();
  for (const s of streams) {
    await host.reset(s.relay);
    s.sent.clear();
    s.received.clear();
    s.receivedCount = 0;
    before.set(s.name, s.sender?.api.metrics().coalesced ?? 0);
  }
  const t0 = performance.now();
  for (let tick = 0; tick < TICKS; tick++) {
    const due = t0 + (tick * 1000) / HZ;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    for (let t = 0; t < TOKENS; t++) {
      const id = tokenId(t);
      // A smooth path per token, different each repetition.
      const pos = { x: 500 + t * 100 + tick * 2 + rep, y: 800 + Math.round(100 * Math.sin((tick + t) / 15)) };
      for (const s of streams) {
        s.sent.set(id, pos);
        s.send(id, pos);
      }
    }
  }
  const elapsed = performance.now() - t0;
  // The low-priority streams may hold their last window for up to batchTimeout.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && !streams.every((s) => correct(s) === TOKENS)) await sleep(10);
  await sleep(50);
  const out = {} as Record<StreamName, StreamRun>;
  for (const s of streams) {
    const stats = await host.stats(s.relay);
    out[s.name] = {
      frames: stats.framesRelayed,
      bytes: stats.bytesRelayed,
      delivered: s.receivedCount,
      coalesced: (s.sender?.api.metrics().coalesced ?? 0) - (before.get(s.name) ?? 0),
      finalPositionsCorrect: correct(s),
    };
  }
  log(
    `coalescing ${rep + 1}: ${Math.round(elapsed)} ms of ticks; frames ` +
      streams.map((s) => `${s.name} ${out[s.name].frames}`).join(", "),
  );
  return out;
}

export async function benchCoalesce(host: RelayHost, opts: { repetitions: number }): Promise<CoalesceResult> {
  const streams: Stream[] = [];
  try {
    for (const name of STREAMS) streams.push(await makeStream(host, name));
    const runs: (Record<StreamName, StreamRun> | Failure)[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      try {
        runs.push(await runOnce(host, streams, rep));
      } catch (e) {
        runs.push(failure(e));
        log(`coalescing ${rep + 1} FAILED: ${failure(e).error}`);
      }
    }
    const good = runs.filter((r): r is Record<StreamName, StreamRun> => !("error" in r));
    const summary = {} as Record<StreamName, StreamSummary>;
    for (const name of STREAMS) {
      const list = good.map((r) => r[name]);
      summary[name] = {
        frames: median(list.map((r) => r.frames)),
        bytes: median(list.map((r) => r.bytes)),
        delivered: median(list.map((r) => r.delivered)),
        coalesced: median(list.map((r) => r.coalesced)),
        finalPositionsCorrect: Math.min(...list.map((r) => r.finalPositionsCorrect)),
      };
    }
    const cut = (a: StreamName, b: StreamName): Cut => ({
      frames: round(summary[b].frames / summary[a].frames),
      bytes: round(summary[b].bytes / summary[a].bytes),
      messages: round(summary[b].delivered / summary[a].delivered),
    });
    const batchTimeoutMs = streams.find((s) => s.sender)?.sender?.api.config().batchTimeout ?? Number.NaN;
    return {
      tokens: TOKENS,
      hz: HZ,
      seconds: SECONDS,
      updatesSent: TOKENS * TICKS,
      batchTimeoutMs,
      wideBatchTimeoutMs: WIDE_WINDOW_MS,
      repetitions: opts.repetitions,
      streams: summary,
      cuts: {
        lowKeyedVsLow: cut("low-keyed", "low"),
        normalKeyedVsNormal: cut("normal-keyed", "normal"),
        wideKeyedVsNormal: cut("normal-keyed-wide", "normal"),
        lowKeyedVsRaw: cut("low-keyed", "raw"),
        normalKeyedVsRaw: cut("normal-keyed", "raw"),
      },
      runs,
    };
  } finally {
    for (const s of streams) s.close();
  }
}
