import { describe, expect, it } from "vitest";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "../../../src/config";
import { PayloadTooLargeError, ValidationError } from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import { encodeEnvelope, readEnvelope } from "../../../src/pipeline/codec";
import type { Envelope, WireFrame } from "../../../src/pipeline/envelope";
import { FRAME_OVERHEAD, Outgoing } from "../../../src/pipeline/outgoing";
import { MAX_PAYLOAD_DEPTH } from "../../../src/pipeline/snapshot";
import type { Transport } from "../../../src/transports/transport";
import { DeferQueue, FakeClock, thrownBy } from "../support";

function readBack(wire: unknown): Envelope {
  const env = readEnvelope(wire);
  if (!env) throw new Error(`the send path produced an unreadable envelope: ${JSON.stringify(wire)}`);
  return env;
}

class FakeTransport implements Transport {
  readonly kind = "native" as const;
  connected = true;
  readonly frames: WireFrame[] = [];
  failWith: Error | null = null;
  send(frame: object): void {
    if (this.failWith) throw this.failWith;
    this.frames.push(frame as WireFrame);
  }
  receive(): void {}
  dispose(): void {}
  /** Every frame sent, its envelopes read back from their wire form. */
  decoded(): { v: number; s: string; e: Envelope[] }[] {
    return this.frames.map((f) => {
      // As a receiver gets it: socket.io writes the object as JSON and parses it again.
      const frame = JSON.parse(JSON.stringify(f)) as WireFrame;
      return { ...frame, e: frame.e.map(readBack) };
    });
  }
}

function setup(patch: Partial<Config> = {}) {
  let config = mergeConfig(DEFAULT_CONFIG, patch);
  const clock = new FakeClock(1_000_000);
  const tasks = new DeferQueue();
  const counters = new Counters();
  const transport = new FakeTransport();
  let online = true;
  let holding = false;
  const errors: unknown[] = [];
  const out = new Outgoing({
    session: "sess-1",
    clock,
    defer: tasks.defer,
    config: () => config,
    counters,
    transport: () => (online ? transport : null),
    onError: (e) => errors.push(e),
    holding: () => holding,
  });
  const message = (data: unknown, to?: string[]) => out.envelope("msg", "my-mod", "my-evt", data, to);
  return {
    out,
    clock,
    tasks,
    counters,
    transport,
    errors,
    message,
    setOnline: (on: boolean) => {
      online = on;
    },
    setHolding: (on: boolean) => {
      holding = on;
    },
    configure: (p: Partial<Config>) => {
      config = mergeConfig(config, p);
    },
  };
}

const envelopesOf = (t: { transport: FakeTransport }): Envelope[] =>
  t.transport.decoded().flatMap((f) => f.e);

describe("Outgoing.envelope", () => {
  it("numbers envelopes per session from 1 and stamps the send time", () => {
    const t = setup();
    const a = t.message({ n: 1 });
    t.clock.advance(5);
    const b = t.out.envelope("req", "m", "e", undefined, ["u1"]);
    expect(a).toEqual({ q: 1, k: "msg", c: "my-mod", e: "my-evt", a: 1_000_000, d: { n: 1 } });
    expect(b).toEqual({ q: 2, k: "req", c: "m", e: "e", a: 1_000_005, t: ["u1"] });
    expect(b.d).toBeUndefined();
  });
});

describe("Outgoing: small envelopes", () => {
  it("put a small envelope into one frame at the end of the task", () => {
    const t = setup();
    const env = t.message({ hp: 12, name: "Goblin" });
    const result = t.out.send(env, { priority: "normal" });
    expect(result).toEqual({ bytes: Buffer.byteLength(encodeEnvelope(env)), queued: false });
    expect(t.transport.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.transport.frames).toHaveLength(1);
    const [frame] = t.transport.decoded();
    expect(frame).toEqual({ v: 1, s: "sess-1", e: [env] });
    expect(t.counters.framesSent).toBe(1);
    expect(t.counters.envelopesOut).toBe(1);
    // A frame is an object, counted at its size on the wire: socket.io writes it with JSON.stringify.
    expect(Object.getPrototypeOf(t.transport.frames[0])).toBe(Object.prototype);
    expect(t.counters.bytesOut).toBe(Buffer.byteLength(JSON.stringify(t.transport.frames[0]!), "utf8"));
  });

  it("batches several envelopes of one task into one frame, in order", () => {
    const t = setup();
    const envs = [1, 2, 3].map((n) => t.message(n));
    for (const env of envs) t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    expect(t.transport.frames).toHaveLength(1);
    expect(envelopesOf(t)).toEqual(envs);
  });

  it("reports the UTF-8 size of a non-ASCII envelope", () => {
    const t = setup();
    const env = t.message("漢字 😀 é");
    expect(t.out.send(env, { priority: "high" }).bytes).toBe(Buffer.byteLength(encodeEnvelope(env), "utf8"));
    t.tasks.endOfTask();
    expect(t.transport.frames).toHaveLength(1);
  });

  it("snapshots the payload at send: changing it before the frame leaves (or after) changes nothing sent", () => {
    const t = setup();
    const data = { hp: 12, tags: ["a"], nested: { x: 1 } };
    const env = t.message(data);
    const { bytes } = t.out.send(env, { priority: "normal" });
    data.hp = 0;
    data.tags.push("b");
    data.nested.x = 2;
    t.tasks.endOfTask();
    expect(envelopesOf(t)[0]?.d).toEqual({ hp: 12, tags: ["a"], nested: { x: 1 } });
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(t.transport.frames[0]!.e[0])));
    // The envelope now holds the copy, so a retransmission sends what the first send sent.
    expect(env.d).not.toBe(data);
    expect(env.d).toEqual({ hp: 12, tags: ["a"], nested: { x: 1 } });
  });

  it("a payload's keys __proto__, constructor and prototype are left out, as JSON-safe values are kept", () => {
    const t = setup();
    const data = JSON.parse('{"__proto__":{"p":1},"constructor":2,"keep":{"prototype":3,"ok":true}}');
    t.out.send(t.message(data), { priority: "normal" });
    t.tasks.endOfTask();
    expect(envelopesOf(t)[0]?.d).toEqual({ keep: { ok: true } });
    expect(t.counters.bytesOut).toBe(Buffer.byteLength(JSON.stringify(t.transport.frames[0]!), "utf8"));
  });

  it("refuses a payload nested deeper than MAX_PAYLOAD_DEPTH, naming it", () => {
    const t = setup();
    const nest = (n: number): unknown => (n === 0 ? 1 : { n: nest(n - 1) });
    expect(() => t.out.send(t.message(nest(MAX_PAYLOAD_DEPTH)), { priority: "normal" })).not.toThrow();
    const error = thrownBy(() => t.out.send(t.message(nest(MAX_PAYLOAD_DEPTH + 1)), { priority: "normal" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/nested too deeply.*my-mod|my-mod.*nested too deeply/s);
  });

  it("refuses a payload that is not JSON-safe before queueing anything", () => {
    const t = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => t.out.send(t.message(cyclic), { priority: "normal" })).toThrow();
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
  });
});

/** Bytes a frame takes on the wire: socket.io writes the frame object as JSON. */
const wireSize = (frame: object) => Buffer.byteLength(JSON.stringify(frame), "utf8");

describe("Outgoing: chunking", () => {
  const maxFrameBytes = 4096;

  function chunkedRoundTrip(data: unknown) {
    const t = setup({ maxFrameBytes });
    const env = t.message(data, ["u2", "u3"]);
    const original = encodeEnvelope(env);
    const result = t.out.send(env, { priority: "normal" });
    t.tasks.endOfTask();
    return { t, env, original, result };
  }

  it("a frame's size on the wire (socket.io writes the frame object as JSON) never exceeds maxFrameBytes", () => {
    for (const data of [
      '"'.repeat(20_000),
      "\\".repeat(20_000),
      "\u0001".repeat(8_000),
      { q: '"\\'.repeat(5_000) },
    ]) {
      const { t, original } = chunkedRoundTrip(data);
      for (const frame of t.transport.frames) expect(wireSize(frame)).toBeLessThanOrEqual(maxFrameBytes);
      const pieces = envelopesOf(t).map((c) => (c.d as [number, number, number, string])[3]);
      expect(pieces.join("")).toBe(original);
    }
  });

  it("a burst of small quote-heavy messages is batched by wire size, not text size", () => {
    const t = setup({ maxFrameBytes });
    for (let i = 0; i < 300; i++) t.out.send(t.message('"'.repeat(100)), { priority: "normal" });
    t.tasks.endOfTask();
    expect(t.transport.frames.length).toBeGreaterThan(1);
    for (const frame of t.transport.frames) expect(wireSize(frame)).toBeLessThanOrEqual(maxFrameBytes);
    expect(envelopesOf(t)).toHaveLength(300);
  });

  it("payloads that grow when escaped (quotes, backslashes, control characters) still fit every frame", () => {
    for (const data of [
      '"'.repeat(20_000),
      "\\".repeat(20_000),
      "\u0001".repeat(8_000),
      { q: '"\\'.repeat(5_000) },
    ]) {
      const { t, original } = chunkedRoundTrip(data);
      expect(t.transport.frames.length).toBeGreaterThan(1);
      for (const frame of t.transport.frames) expect(wireSize(frame)).toBeLessThanOrEqual(maxFrameBytes);
      const pieces = envelopesOf(t).map((c) => (c.d as [number, number, number, string])[3]);
      expect(pieces.join("")).toBe(original);
    }
  });

  it("chunks an envelope larger than the frame budget; every frame stays within maxFrameBytes", () => {
    const data = { text: "lorem ipsum ".repeat(2000), more: "é漢😀".repeat(500) };
    const { t, env, original, result } = chunkedRoundTrip(data);
    expect(Buffer.byteLength(original)).toBeGreaterThan(maxFrameBytes - FRAME_OVERHEAD);
    expect(result).toEqual({ bytes: Buffer.byteLength(original), queued: false });
    expect(t.transport.frames.length).toBeGreaterThan(1);
    for (const frame of t.transport.frames) expect(wireSize(frame)).toBeLessThanOrEqual(maxFrameBytes);
    const chunks = envelopesOf(t);
    expect(chunks.every((c) => c.k === "chunk" && c.c === "my-mod" && c.e === "my-evt")).toBe(true);
    expect(chunks.every((c) => JSON.stringify(c.t) === JSON.stringify(["u2", "u3"]))).toBe(true);
    const payloads = chunks.map((c) => c.d as [number, number, number, string]);
    expect(payloads.map((p) => p[0])).toEqual(payloads.map(() => env.q));
    expect(payloads.map((p) => p[1])).toEqual(payloads.map((_, i) => i));
    expect(payloads.map((p) => p[2])).toEqual(payloads.map(() => payloads.length));
    expect(payloads.map((p) => p[3]).join("")).toBe(original);
    expect(readEnvelope(JSON.parse(payloads.map((p) => p[3]).join("")))).toEqual(env);
    // chunk envelopes have their own, increasing sequence numbers after the parent's
    const seqs = chunks.map((c) => c.q);
    expect(seqs[0]).toBeGreaterThan(env.q);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("an envelope exactly at the budget (its wire size) is not chunked; one byte more is", () => {
    const budget = maxFrameBytes - FRAME_OVERHEAD;
    for (const extra of [0, 1]) {
      const t = setup({ maxFrameBytes });
      const probe = encodeEnvelope(t.out.envelope("msg", "my-mod", "my-evt", "", undefined));
      const env = t.message("x".repeat(budget - Buffer.byteLength(probe) + extra));
      expect(Buffer.byteLength(encodeEnvelope(env))).toBe(budget + extra);
      t.out.send(env, { priority: "normal" });
      t.tasks.endOfTask();
      if (extra === 0) expect(envelopesOf(t)).toEqual([env]);
      else expect(envelopesOf(t).every((c) => c.k === "chunk")).toBe(true);
      for (const frame of t.transport.frames) expect(wireSize(frame)).toBeLessThanOrEqual(maxFrameBytes);
    }
  });

  it("chunks of an offline send wait in the outbox", () => {
    const t = setup({ maxFrameBytes });
    t.setOnline(false);
    const env = t.message("y".repeat(10_000));
    expect(t.out.send(env, { priority: "normal" }).queued).toBe(true);
    expect(t.out.outboxDepth).toBeGreaterThan(1);
    t.setOnline(true);
    t.out.flushOutbox();
    t.tasks.endOfTask();
    const pieces = envelopesOf(t).map((c) => (c.d as [number, number, number, string])[3]);
    expect(readEnvelope(JSON.parse(pieces.join("")))).toEqual(env);
  });
});

describe("Outgoing: offline and the outbox", () => {
  it("queues while the transport is down and flushes in order", () => {
    const t = setup();
    t.setOnline(false);
    const envs = ["a", "b", "c"].map((d) => t.message(d));
    for (const env of envs) expect(t.out.send(env, { priority: "normal" }).queued).toBe(true);
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
    expect(t.out.outboxDepth).toBe(3);
    t.setOnline(true);
    t.out.flushOutbox();
    expect(t.out.outboxDepth).toBe(0);
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual(envs);
  });

  it("keeps messages queued before the outbox ahead of later ones when flushed first", () => {
    const t = setup();
    t.setOnline(false);
    const early = t.message("early");
    t.out.send(early, { priority: "normal" });
    t.setOnline(true);
    t.out.flushOutbox();
    const late = t.message("late");
    t.out.send(late, { priority: "normal" });
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([early, late]);
  });

  it("drops expired outbox items on flush, counting them", () => {
    const t = setup({ maxMessageAge: 1000 });
    t.setOnline(false);
    t.out.send(t.message("old"), { priority: "normal" });
    t.clock.advance(1001);
    const fresh = t.message("fresh");
    t.out.send(fresh, { priority: "normal" });
    t.setOnline(true);
    t.out.flushOutbox();
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([fresh]);
    expect(t.counters.dropped("outbox-expired")).toBe(1);
  });

  it("drops volatile messages while offline and counts them", () => {
    const t = setup();
    t.setOnline(false);
    const result = t.out.send(t.message("pos"), { priority: "normal", volatile: true });
    expect(result.queued).toBe(true);
    expect(t.out.outboxDepth).toBe(0);
    expect(t.counters.dropped("volatile-offline")).toBe(1);
    t.setOnline(true);
    t.out.flushOutbox();
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
  });

  it("parks a batch whose transport vanished before the flush", () => {
    const t = setup();
    const keep = t.message("keep");
    t.out.send(keep, { priority: "normal" });
    t.out.send(t.message("cursor"), { priority: "normal", volatile: true });
    t.setOnline(false);
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
    expect(t.out.outboxDepth).toBe(1);
    expect(t.counters.dropped("volatile-offline")).toBe(1);
    t.setOnline(true);
    t.out.flushOutbox();
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([keep]);
  });

  it("while holding: ordinary traffic waits in the outbox, control traffic goes out", () => {
    const t = setup();
    t.setHolding(true);
    const ordinary = t.message("ordinary");
    const control = t.out.envelope("hello", "socket-manager", "$hello", { s: "x" }, undefined);
    expect(t.out.send(ordinary, { priority: "normal" }).queued).toBe(true);
    expect(t.out.send(control, { priority: "normal", control: true }).queued).toBe(false);
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([control]);
    expect(t.out.outboxDepth).toBe(1);
    t.setHolding(false);
    t.out.flushOutbox();
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([control, ordinary]);
  });

  it("control traffic still waits when there is no transport at all", () => {
    const t = setup();
    t.setOnline(false);
    expect(t.out.send(t.message("ping"), { priority: "high", control: true }).queued).toBe(true);
    expect(t.out.outboxDepth).toBe(1);
  });
});

describe("Outgoing: transport failures", () => {
  it("a throwing transport is counted and reported, never thrown to the caller", () => {
    const t = setup();
    const failure = new Error("socket exploded");
    t.transport.failWith = failure;
    t.out.send(t.message(1), { priority: "normal" });
    t.out.send(t.message(2), { priority: "normal" });
    expect(() => t.tasks.endOfTask()).not.toThrow();
    expect(t.counters.dropped("frame-failed")).toBe(2);
    expect(t.errors).toEqual([failure]);
    expect(t.counters.framesSent).toBe(0);
    expect(() => t.out.send(t.message(3), { priority: "high" })).not.toThrow();
    expect(() => t.tasks.endOfTask()).not.toThrow();
    expect(t.counters.dropped("frame-failed")).toBe(3);
    expect(t.errors).toEqual([failure, failure]);
  });

  it("recovers when the transport works again, without resending the failed frame", () => {
    const t = setup();
    t.transport.failWith = new Error("down");
    t.out.send(t.message("lost"), { priority: "normal" });
    t.tasks.endOfTask();
    t.transport.failWith = null;
    const next = t.message("next");
    t.out.send(next, { priority: "normal" });
    t.tasks.endOfTask();
    expect(envelopesOf(t)).toEqual([next]);
  });
});

describe("Outgoing: payload limit", () => {
  it("throws PayloadTooLargeError over maxPayloadBytes, naming module and event, queueing nothing", () => {
    const t = setup({ maxPayloadBytes: 2048 });
    const error = thrownBy(() => t.out.send(t.message("z".repeat(3000)), { priority: "normal" }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    const e = error as PayloadTooLargeError;
    expect(e.moduleId).toBe("my-mod");
    expect(e.event).toBe("my-evt");
    expect(e.message).toContain("my-mod");
    expect(e.message).toContain("my-evt");
    expect(e.message).toContain("2048");
    t.tasks.endOfTask();
    expect(t.transport.frames).toEqual([]);
    expect(t.out.outboxDepth).toBe(0);
  });

  it("measures the limit in UTF-8 bytes", () => {
    const t = setup({ maxPayloadBytes: 2048 });
    // 700 three-byte characters: 700 UTF-16 units, but 2100 bytes plus the envelope
    expect(thrownBy(() => t.out.send(t.message("漢".repeat(700)), { priority: "normal" }))).toBeInstanceOf(
      PayloadTooLargeError,
    );
    // 600 of them fit
    expect(t.out.send(t.message("漢".repeat(600)), { priority: "normal" }).queued).toBe(false);
  });

  it("accepts a payload just under the limit", () => {
    const t = setup({ maxPayloadBytes: 4096, maxFrameBytes: 8192 });
    const probe = encodeEnvelope(t.out.envelope("msg", "my-mod", "my-evt", "", undefined));
    const env = t.message("x".repeat(4096 - probe.length));
    expect(Buffer.byteLength(encodeEnvelope(env))).toBe(4096);
    expect(t.out.send(env, { priority: "normal" }).bytes).toBe(4096);
    expect(
      thrownBy(() => t.out.send(t.message("x".repeat(4097 - probe.length)), { priority: "normal" })),
    ).toBeInstanceOf(PayloadTooLargeError);
  });
});
