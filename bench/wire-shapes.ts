/**
 * A study, not a section of `npm run bench`: what the *shape* of a frame costs socket.io and the relay, for the
 * same messages. Raw socket.io clients send ready-made frames of each shape through the benchmark's relay (its
 * own process, Foundry's rules), so only socket.io's encoding, the relay's parse and re-encode and the
 * receiver's parse differ; Socket Manager's own code does not run.
 *
 *   npx tsx bench/wire-shapes.ts            batches (relay CPU, wall time) and single round trips (p50)
 *   npx tsx bench/wire-shapes.ts --quick    small counts, a smoke run
 *
 * Shapes: protocol 1 as it is today, and three candidates for a second version (docs/BENCHMARKS.md, "Wire
 * shapes"). Every loop is bounded in count, and every wait in time.
 */
import { closeAll, connectClients, EVENT, log, makePayload } from "./common";
import { forkRelayHost, type RelayHost } from "./relay-control";
import { median } from "./stats";
import { THROUGHPUT_USERS } from "./throughput";

const SESSION = "bu3av737um";
const T0 = 1_796_615_026_680;

/** One envelope of a batch: sequence number, kind code 0 (msg), channel, event, send time, no extras. */
interface Message {
  q: number;
  at: number;
  payload: Record<string, unknown>;
}

type Shape = (messages: readonly Message[], target?: string) => unknown;

/** Protocol 1: `{v, s, e: [[q, kind, channel, event, sentAt, extras | 0, payload]]}`. */
const v1: Shape = (messages, target) => ({
  v: 1,
  s: SESSION,
  e: messages.map((m) => [m.q, 0, "bench", "move", m.at, target ? { t: [target] } : 0, m.payload]),
});

/** The same fields, but each envelope's header as one JSON text, headers and payloads side by side in one list. */
const headerJson: Shape = (messages, target) => [
  2,
  SESSION,
  ...messages.flatMap((m) => [
    JSON.stringify([m.q, 0, "bench", "move", m.at, target ? [target] : 0]),
    m.payload,
  ]),
];

/** A frame with a names table and a time base: `[2, session, base, names, ...envelopes]`. */
function tableFrame(
  messages: readonly Message[],
  target: string | undefined,
  envelope: (m: Message, base: number) => unknown[],
): unknown[] {
  const base = messages[0]?.at ?? 0;
  const names = target ? ["bench", "move", target] : ["bench", "move"];
  return [2, SESSION, base, names, ...messages.flatMap((m) => envelope(m, base))];
}

/** Each header a short text of numbers: `q,kind,sentAt - base,channel index,event index[,target index]`. */
const headerCompact: Shape = (messages, target) =>
  tableFrame(messages, target, (m, base) => [`${m.q},0,${m.at - base},0,1${target ? ",2" : ""}`, m.payload]);

/** The header's numbers as items of the list instead of one text. */
const compactItems: Shape = (messages, target) =>
  tableFrame(messages, target, (m, base) => [[m.q, 0, m.at - base, 0, 1, target ? 2 : -1, m.payload]]);

const SHAPES: [string, Shape][] = [
  ["protocol 1 (today)", v1],
  ["header as JSON text", headerJson],
  ["names table + time base + header text", headerCompact],
  ["names table + time base, header items", compactItems],
];

function messages(from: number, count: number): Message[] {
  return Array.from({ length: count }, (_, k) => ({
    q: from + k + 1,
    at: T0 + k,
    payload: makePayload(from + k),
  }));
}

export interface ShapeResult {
  shape: string;
  wireBytesPerMessage: number;
  /** Batches of `perFrame` messages, all sent in one loop: medians over the repetitions. */
  relayCpuUsPerMessage: number;
  wallUsPerMessage: number;
  clientCpuUsPerMessage: number;
  /** One message out and the same frame straight back (an echo), p50 in µs. */
  roundTripP50Us: number;
}

interface Contender {
  shape: string;
  batch(): Promise<{ wallMs: number; clientCpuMs: number; relayCpuMs: number }>;
  trip(i: number): Promise<number>;
  close(): void;
}

const WAIT_MS = 30_000;

async function contender(host: RelayHost, shape: string, make: Shape, frames: number, perFrame: number) {
  const clients = await connectClients(await host.start(`shape-${shape}`), THROUGHPUT_USERS);
  const [receiver, sender] = clients as [(typeof clients)[0], (typeof clients)[0]];
  const batchFrames = Array.from({ length: frames }, (_, f) => make(messages(f * perFrame, perFrame)));
  let arrived = 0;
  let expected = 0;
  let wake: (() => void) | null = null;
  // The receiver echoes single frames (round trips) and counts batch frames.
  receiver.socket.on(EVENT, (frame: unknown) => {
    if (expected === 0) receiver.socket.emit(EVENT, frame);
    else if (++arrived === expected) wake?.();
  });
  sender.socket.on(EVENT, () => wake?.());
  const until = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${shape}: ${what} timed out`)), WAIT_MS);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  const c: Contender = {
    shape,
    async batch() {
      arrived = 0;
      expected = frames;
      const relay0 = await host.cpuMs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const done = until("batch");
      for (const frame of batchFrames) sender.socket.emit(EVENT, frame);
      await done;
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const relayCpuMs = (await host.cpuMs()) - relay0;
      expected = 0;
      return { wallMs, clientCpuMs: (cpu.user + cpu.system) / 1000, relayCpuMs };
    },
    async trip(i) {
      const frame = make(messages(i, 1), "gm");
      const t0 = performance.now();
      const back = until("round trip");
      sender.socket.emit(EVENT, frame);
      await back;
      return performance.now() - t0;
    },
    close: () => closeAll(clients),
  };
  return c;
}

export async function studyWireShapes(opts: {
  frames: number;
  perFrame: number;
  repetitions: number;
  trips: number;
}): Promise<ShapeResult[]> {
  const host = await forkRelayHost();
  const contenders: Contender[] = [];
  try {
    for (const [name, make] of SHAPES) {
      contenders.push(await contender(host, name, make, opts.frames, opts.perFrame));
    }
    const batches = new Map<string, { wall: number[]; client: number[]; relay: number[] }>();
    const trips = new Map<string, number[]>();
    for (let rep = 0; rep < opts.repetitions; rep++) {
      log(`wire shapes: repetition ${rep + 1} of ${opts.repetitions}`);
      // Alternate the order, so drift in the machine's speed reaches every shape alike.
      const order = rep % 2 === 0 ? contenders : [...contenders].reverse();
      for (const c of order) {
        const r = await c.batch();
        const b = batches.get(c.shape) ?? { wall: [], client: [], relay: [] };
        b.wall.push(r.wallMs);
        b.client.push(r.clientCpuMs);
        b.relay.push(r.relayCpuMs);
        batches.set(c.shape, b);
      }
      for (const c of order) {
        const times = trips.get(c.shape) ?? [];
        for (let i = 0; i < opts.trips; i++) times.push(await c.trip(i));
        trips.set(c.shape, times);
      }
    }
    const count = opts.frames * opts.perFrame;
    const usPer = (ms: number) => Math.round((ms * 1000 * 100) / count) / 100;
    return SHAPES.map(([name, make]) => {
      const b = batches.get(name) ?? { wall: [], client: [], relay: [] };
      return {
        shape: name,
        wireBytesPerMessage:
          Math.round((JSON.stringify(make(messages(0, opts.perFrame))).length / opts.perFrame) * 10) / 10,
        relayCpuUsPerMessage: usPer(median(b.relay)),
        wallUsPerMessage: usPer(median(b.wall)),
        clientCpuUsPerMessage: usPer(median(b.client)),
        roundTripP50Us: Math.round(median(trips.get(name) ?? []) * 1000),
      };
    });
  } finally {
    for (const c of contenders) c.close();
    await host.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick");
  const results = await studyWireShapes(
    quick
      ? { frames: 20, perFrame: 200, repetitions: 1, trips: 100 }
      : { frames: 250, perFrame: 200, repetitions: 8, trips: 1000 },
  );
  console.table(results);
  process.exit(0);
}
