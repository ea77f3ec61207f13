/**
 * Frames sized as they travel (issue 10, point 6): socket.io writes a frame string as JSON again, so quotes,
 * backslashes, control characters and lone surrogates grow on the wire. Whatever the payload, its targets or
 * the number of envelopes batched together, no frame the send path emits may be larger on the wire than
 * `maxFrameBytes`, and the receiving side must rebuild exactly what was sent.
 */
import { describe, expect, it } from "vitest";
import { type Config, DEFAULT_CONFIG, MAX_FRAME_BYTES, mergeConfig } from "../../../src/config";
import { PayloadTooLargeError } from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import { isChunkPayload, Reassembler } from "../../../src/pipeline/chunker";
import { encodeEnvelope, parseSafe, readEnvelope, wireBytes } from "../../../src/pipeline/codec";
import type { Envelope, WireFrame } from "../../../src/pipeline/envelope";
import { Outgoing } from "../../../src/pipeline/outgoing";
import type { Transport } from "../../../src/transports/transport";
import { DeferQueue, FakeClock, thrownBy } from "../support";

/** The oracle: what socket.io really puts on the wire for a string argument. */
const onTheWire = (frame: string) => Buffer.byteLength(JSON.stringify(frame), "utf8");

class FakeTransport implements Transport {
  readonly kind = "native" as const;
  connected = true;
  readonly frames: string[] = [];
  send(frame: string): void {
    this.frames.push(frame);
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

/** Every envelope of every frame, read back as a receiver would. */
function envelopesOf(frames: readonly string[]): Envelope[] {
  return frames.flatMap((f) =>
    (parseSafe(f) as WireFrame).e.map((wire) => {
      const env = readEnvelope(wire);
      if (!env) throw new Error("the send path produced an unreadable envelope");
      return env;
    }),
  );
}

/** Rebuilds chunked envelopes like the receive path does (chunks through a Reassembler), others as they are. */
function received(frames: readonly string[]): Envelope[] {
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
    const parent = readEnvelope(parseSafe(result.text));
    if (!parent) throw new Error("a rebuilt envelope is unreadable");
    out.push(parent);
  }
  expect(reassembler.pendingSets).toBe(0);
  return out;
}

function expectEveryFrameFits(frames: readonly string[], maxFrameBytes: number): void {
  expect(frames.length).toBeGreaterThan(0);
  let largest = 0;
  for (const frame of frames) {
    const size = onTheWire(frame);
    largest = Math.max(largest, size);
    expect(wireBytes(frame)).toBe(size);
  }
  expect(largest).toBeLessThanOrEqual(maxFrameBytes);
}

/** A value serialised three times over, so that every layer adds its own quotes and backslashes. */
const jsonInJson = (() => {
  const inner = {
    say: 'he said "hi"\\n',
    path: "C:\\dnd\\maps",
    tab: "a\tb",
    list: [1, "two", { three: 3 }],
  };
  const once = JSON.stringify(Array.from({ length: 2_000 }, (_, i) => ({ ...inner, i })));
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
        expectEveryFrameFits(t.transport.frames, maxFrameBytes);
        expect(t.transport.frames.length).toBeGreaterThan(1);
        const [rebuilt] = received(t.transport.frames);
        expect(rebuilt).toEqual(env);
        expect(rebuilt?.d).toEqual(payload);
      });
    });
  }

  it("a frame's bytesOut is its size on the wire", () => {
    const t = setup({});
    for (const data of ['"'.repeat(100), "\\\n\u0001", "plain", "é漢😀"]) {
      t.out.send(t.out.envelope("msg", "my-mod", "my-evt", data, undefined), { priority: "normal" });
    }
    t.tasks.endOfTask();
    expect(t.transport.frames).toHaveLength(1);
    expect(t.counters.bytesOut).toBe(onTheWire(t.transport.frames[0]!));
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
    expectEveryFrameFits(t.transport.frames, maxFrameBytes);
    expect(received(t.transport.frames)).toEqual(sent);
  });

  it("a chunked message to many users: every chunk carries the targets, and still fits", () => {
    const maxFrameBytes = 4096;
    const t = setup({ maxFrameBytes });
    const targets = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(12, "0")}`);
    const env = t.out.envelope("msg", "my-mod", "my-evt", '"x"'.repeat(10_000), targets);
    t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    expectEveryFrameFits(t.transport.frames, maxFrameBytes);
    expect(envelopesOf(t.transport.frames).every((c) => c.k === "chunk" && c.t?.length === 60)).toBe(true);
    expect(received(t.transport.frames)).toEqual([env]);
  });

  it("a chunked message whose channel and event names are all quotes and backslashes still fits", () => {
    const maxFrameBytes = 4096;
    const t = setup({ maxFrameBytes });
    const env = t.out.envelope("msg", '"'.repeat(64), "\\".repeat(64), "x".repeat(20_000), ["u2"]);
    t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    expectEveryFrameFits(t.transport.frames, maxFrameBytes);
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

describe("wireBytes agrees with the pipeline's own measures on real frames", () => {
  it("every frame of a mixed burst measures exactly as socket.io will write it", () => {
    const t = setup({ maxFrameBytes: 8192 });
    for (const [, payload] of PAYLOADS.slice(0, 2)) {
      const text = (payload as string).slice(0, 3_000);
      t.out.send(t.out.envelope("msg", "my-mod", "my-evt", text, undefined), { priority: "normal" });
    }
    t.tasks.endOfTask();
    for (const frame of t.transport.frames) expect(wireBytes(frame)).toBe(onTheWire(frame));
    expect(encodeEnvelope(envelopesOf(t.transport.frames)[0]!)).toContain('\\"');
  });
});
