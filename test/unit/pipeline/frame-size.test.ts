/**
 * Frames sized as they travel: a frame is an object that socket.io writes with JSON.stringify, so quotes,
 * backslashes, control characters and lone surrogates grow on the wire, once. Whatever the payload, its targets
 * or the number of envelopes batched together, the size the send path computed is the frame's exact size on the
 * wire, no frame is larger than `maxFrameBytes`, and the receiving side rebuilds exactly what was sent.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Config, DEFAULT_CONFIG, MAX_FRAME_BYTES, mergeConfig } from "../../../src/config";
import { PayloadTooLargeError } from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import { isChunkPayload, Reassembler } from "../../../src/pipeline/chunker";
import { decodeFrame, readEnvelope } from "../../../src/pipeline/codec";
import type { Envelope, WireFrame } from "../../../src/pipeline/envelope";
import { Outgoing } from "../../../src/pipeline/outgoing";
import { SOCKET_EVENT, type Transport } from "../../../src/transports/transport";
import { DeferQueue, FakeClock, thrownBy } from "../support";

/** The oracle: what socket.io puts on the wire for an emitted object, JSON.stringify of it. */
const onTheWire = (frame: object) => Buffer.byteLength(JSON.stringify(frame), "utf8");
/** The whole packet socket.io writes for `game.socket.emit(SOCKET_EVENT, frame)`: `42["event",frame]`. */
const packetBytes = (frame: object) => 2 + Buffer.byteLength(JSON.stringify([SOCKET_EVENT, frame]), "utf8");

class FakeTransport implements Transport {
  readonly kind = "native" as const;
  connected = true;
  readonly frames: WireFrame[] = [];
  send(frame: object): void {
    this.frames.push(frame as WireFrame);
  }
  receive(): void {}
  dispose(): void {}
}

function setup(patch: Partial<Config>) {
  const config = mergeConfig(DEFAULT_CONFIG, patch);
  const clock = new FakeClock(1_732_460_000_000);
  const tasks = new DeferQueue();
  const counters = new Counters();
  const transport = new FakeTransport();
  const out = new Outgoing({
    session: "k3j4h5g6f7d8s9a0",
    clock,
    defer: tasks.defer,
    config: () => config,
    counters,
    transport: () => transport,
    onError: (e) => {
      throw e;
    },
    holding: () => false,
  });
  return { out, tasks, transport, counters, config };
}

/** Every envelope of every frame, read back as a receiver would after socket.io's JSON round trip. */
function envelopesOf(frames: readonly WireFrame[]): Envelope[] {
  return frames.flatMap((f) => {
    const decoded = decodeFrame(JSON.parse(JSON.stringify(f)), 1_000_000);
    if (!decoded.ok) throw new Error(`the send path produced a frame a receiver refuses: ${decoded.reason}`);
    expect(decoded.bytes).toBe(onTheWire(f));
    return decoded.frame.e.map((wire) => {
      const env = readEnvelope(wire);
      if (!env) throw new Error("the send path produced an unreadable envelope");
      return env;
    });
  });
}

/** Rebuilds chunked envelopes like the receive path does (chunks through a Reassembler), others as they are. */
function received(frames: readonly WireFrame[]): Envelope[] {
  const reassembler = new Reassembler(
    () => ({ maxMessageBytes: 256 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxAgeMs: 60_000 }),
    new FakeClock(0),
    () => {},
  );
  const out: Envelope[] = [];
  for (const env of envelopesOf(frames)) {
    if (env.k !== "chunk") {
      out.push(env);
      continue;
    }
    expect(isChunkPayload(env.d)).toBe(true);
    const result = reassembler.add("p1", "k3j4h5g6f7d8s9a0", env.d as [number, number, number, string]);
    if (result.status === "pending") continue;
    if (result.status !== "complete") throw new Error(`reassembly failed: ${result.status}`);
    const parent = readEnvelope(JSON.parse(result.text));
    if (!parent) throw new Error("a rebuilt envelope is unreadable");
    out.push(parent);
  }
  expect(reassembler.pendingSets).toBe(0);
  return out;
}

/** Every frame, socket.io's packet around it included, fits; and the send path counted each one exactly. */
function expectEveryFrameFits(t: ReturnType<typeof setup>, maxFrameBytes: number): void {
  const { frames } = t.transport;
  expect(frames.length).toBeGreaterThan(0);
  let largest = 0;
  let total = 0;
  for (const frame of frames) {
    expect(typeof frame).toBe("object");
    largest = Math.max(largest, packetBytes(frame));
    total += onTheWire(frame);
  }
  expect(largest).toBeLessThanOrEqual(maxFrameBytes);
  expect(t.counters.bytesOut).toBe(total);
}

/** A value serialised three times over, so that every layer adds its own quotes and backslashes. */
const jsonInJson = (() => {
  const inner = {
    say: 'he said "hi"\\n',
    path: "C:\\dnd\\maps",
    tab: "a\tb",
    list: [1, "two", { three: 3 }],
  };
  const once = JSON.stringify(Array.from({ length: 4_000 }, (_, i) => ({ ...inner, i })));
  return JSON.stringify({ doc: JSON.stringify(once) });
})();

const controlHeavy = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(i % 32)).join("");

const PAYLOADS: [string, unknown][] = [
  ["700,000 double quotes", '"'.repeat(700_000)],
  ["700,000 backslashes", "\\".repeat(700_000)],
  ["200,000 control characters", controlHeavy],
  ["JSON in JSON in JSON", jsonInJson],
  [
    "quotes, backslashes, controls, lone surrogates and non-ASCII",
    { s: '"\\\n\u0001\ud800é漢😀\udc00'.repeat(40_000) },
  ],
];

describe("every frame fits maxFrameBytes on the wire, whatever the payload", () => {
  for (const maxFrameBytes of [4096, DEFAULT_CONFIG.maxFrameBytes, MAX_FRAME_BYTES]) {
    describe(`maxFrameBytes ${maxFrameBytes}`, () => {
      it.each(PAYLOADS)("%s: chunked into frames that fit, rebuilt exactly", (_name, payload) => {
        const t = setup({ maxFrameBytes });
        const env = t.out.envelope("msg", "my-mod", "my-evt", payload, ["u2", "u3"]);
        t.out.send(env, { priority: "normal" });
        t.tasks.endOfTask();
        expectEveryFrameFits(t, maxFrameBytes);
        expect(t.transport.frames.length).toBeGreaterThan(1);
        const [rebuilt] = received(t.transport.frames);
        expect(rebuilt).toEqual(env);
        expect(rebuilt?.d).toEqual(payload);
      });
    });
  }

  it("a frame's bytesOut is its size on the wire", () => {
    const t = setup({});
    for (const data of ['"'.repeat(100), "\\\n\u0001", "plain", "é漢😀", "\ud800"]) {
      t.out.send(t.out.envelope("msg", "my-mod", "my-evt", data, undefined), { priority: "normal" });
    }
    t.tasks.endOfTask();
    expect(t.transport.frames).toHaveLength(1);
    expect(t.counters.bytesOut).toBe(onTheWire(t.transport.frames[0]!));
  });
});

/** Strings built from the characters JSON escapes, multi-byte ones and lone surrogates. */
const trickyString = fc.string({
  unit: fc.constantFrom(
    '"',
    "\\",
    "\n",
    "\u0001",
    "\u001f",
    "a",
    " ",
    "é",
    "漢",
    "😀",
    "\ud800",
    "\udc00",
    "\u2028",
  ),
  maxLength: 40,
});
const trickyPayload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    trickyString,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(trickyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("the emitted frame is an object whose JSON size is exactly what the send path computed", () => {
  it("property: one frame per task, any payloads and targets", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(trickyPayload, fc.option(fc.array(trickyString, { maxLength: 3 }))), {
          minLength: 1,
          maxLength: 5,
        }),
        (messages) => {
          const t = setup({});
          const sizes: number[] = [];
          for (const [data, to] of messages) {
            const env = t.out.envelope("msg", "my-mod", "my-evt", data, to ?? undefined);
            sizes.push(t.out.send(env, { priority: "normal" }).bytes);
          }
          t.tasks.endOfTask();
          expect(t.transport.frames).toHaveLength(1);
          const frame = t.transport.frames[0]!;
          expect(Object.getPrototypeOf(frame)).toBe(Object.prototype);
          expect(t.counters.bytesOut).toBe(onTheWire(frame));
          expect(sizes).toEqual(frame.e.map((wire) => onTheWire(wire as object)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("every frame fits maxFrameBytes on the wire, whatever surrounds the payload", () => {
  it("thousands of tiny envelopes in one frame: the commas between them count", () => {
    const maxFrameBytes = 65_536;
    const t = setup({ maxFrameBytes, batchSize: 10_000 });
    const sent: Envelope[] = [];
    for (let i = 0; i < 5_000; i++) {
      const env = t.out.envelope("msg", "m", "e", undefined, undefined);
      sent.push(env);
      t.out.send(env, { priority: "normal" });
    }
    t.tasks.endOfTask();
    expectEveryFrameFits(t, maxFrameBytes);
    expect(received(t.transport.frames)).toEqual(sent);
  });

  it("a chunked message to many users: every chunk carries the targets, and still fits", () => {
    const maxFrameBytes = 4096;
    const t = setup({ maxFrameBytes });
    const targets = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(12, "0")}`);
    const env = t.out.envelope("msg", "my-mod", "my-evt", '"x"'.repeat(10_000), targets);
    t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    expectEveryFrameFits(t, maxFrameBytes);
    expect(envelopesOf(t.transport.frames).every((c) => c.k === "chunk" && c.t?.length === 60)).toBe(true);
    expect(received(t.transport.frames)).toEqual([env]);
  });

  it("a chunked message whose channel and event names are all quotes and backslashes still fits", () => {
    const maxFrameBytes = 4096;
    const t = setup({ maxFrameBytes });
    const env = t.out.envelope("msg", '"'.repeat(64), "\\".repeat(64), "x".repeat(20_000), ["u2"]);
    t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    expectEveryFrameFits(t, maxFrameBytes);
    expect(received(t.transport.frames)).toEqual([env]);
  });

  it("a message whose own fields leave no room for a piece of it is refused, queueing nothing", () => {
    const t = setup({ maxFrameBytes: 4096 });
    const targets = Array.from({ length: 300 }, (_, i) => `user${String(i).padStart(12, "0")}`);
    const error = thrownBy(() =>
      t.out.send(t.out.envelope("msg", "my-mod", "my-evt", "x".repeat(100), targets), { priority: "normal" }),
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).message).toContain("maxFrameBytes");
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
    expect(t.out.outboxDepth).toBe(0);
  });
});

describe("the receiving side measures what was sent", () => {
  it("every frame of a mixed burst decodes to the size it has on the wire", () => {
    const t = setup({ maxFrameBytes: 8192 });
    for (const [, payload] of PAYLOADS.slice(0, 2)) {
      const text = (payload as string).slice(0, 6_000);
      t.out.send(t.out.envelope("msg", "my-mod", "my-evt", text, undefined), { priority: "normal" });
    }
    t.tasks.endOfTask();
    expect(t.transport.frames.length).toBeGreaterThan(1);
    // envelopesOf checks each frame's decoded size against its JSON.
    expect(envelopesOf(t.transport.frames).every((env) => env.k === "chunk")).toBe(true);
  });
});
