import { describe, expect, it } from "vitest";
import {
  CONFIG_KEYS,
  type Config,
  DEFAULT_CONFIG,
  MAX_FRAME_BYTES,
  mergeConfig,
  RELAY_MESSAGE_LIMIT,
} from "../../src/config";
import { SocketManagerError, ValidationError } from "../../src/contract/errors";
import { thrownBy } from "./support";

/** One valid value per key that differs from its default. */
const VALID: { [K in keyof Config]: Config[K] } = {
  batchSize: 50,
  batchTimeout: 0,
  maxMessageAge: 60_000,
  maxReconnectionAttempts: 0,
  initialReconnectionDelay: 500,
  maxReconnectionDelay: 60_000,
  preferSocketLib: false,
  fallbackToLocal: false,
  enableDebugLogging: true,
  logAllMessages: true,
  performanceMonitoring: false,
  requestTimeout: 2_500,
  maxPayloadBytes: 1024 * 1024,
  maxFrameBytes: 64 * 1024,
  outboxSize: 0,
  rateLimit: 10,
  rateBurst: 100,
  heartbeatInterval: 0,
};

const NUMERIC_KEYS = CONFIG_KEYS.filter((k) => typeof DEFAULT_CONFIG[k] === "number");
const BOOLEAN_KEYS = CONFIG_KEYS.filter((k) => typeof DEFAULT_CONFIG[k] === "boolean");

function validationError(fn: () => unknown): ValidationError {
  const err = thrownBy(fn);
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe("DEFAULT_CONFIG and CONFIG_KEYS", () => {
  it("lists every default key, and the table above covers every key", () => {
    expect([...CONFIG_KEYS].sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    expect(Object.keys(VALID).sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it("keeps the seed's documented defaults", () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      batchTimeout: 100,
      maxMessageAge: 30_000,
      maxReconnectionAttempts: 5,
      initialReconnectionDelay: 1000,
      maxReconnectionDelay: 30_000,
      preferSocketLib: true,
      fallbackToLocal: true,
      enableDebugLogging: false,
      logAllMessages: false,
      performanceMonitoring: true,
    });
  });

  it("is frozen and passes its own validation", () => {
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(mergeConfig(DEFAULT_CONFIG, { ...DEFAULT_CONFIG })).toEqual(DEFAULT_CONFIG);
  });

  it("keeps frames well below socket.io's 1 MB limit by default", () => {
    expect(DEFAULT_CONFIG.maxFrameBytes).toBeLessThan(1024 * 1024);
    expect(DEFAULT_CONFIG.maxFrameBytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});

describe("maxFrameBytes: capped under the relay's per-message limit", () => {
  it("the relay limit is socket.io's default maxHttpBufferSize", () => {
    expect(RELAY_MESSAGE_LIMIT).toBe(1e6);
  });

  it("accepts the cap itself", () => {
    expect(mergeConfig(DEFAULT_CONFIG, { maxFrameBytes: MAX_FRAME_BYTES }).maxFrameBytes).toBe(
      MAX_FRAME_BYTES,
    );
  });

  it.each([MAX_FRAME_BYTES + 1, 950_000, RELAY_MESSAGE_LIMIT - 1, RELAY_MESSAGE_LIMIT, 1024 * 1024, 1e9])(
    "refuses maxFrameBytes = %i with a ValidationError naming the key",
    (value) => {
      const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { maxFrameBytes: value }));
      expect(err.message).toContain("maxFrameBytes");
      expect(err.message).toContain(String(MAX_FRAME_BYTES));
      expect(err.issues.map((i) => i.path?.[0])).toEqual(["maxFrameBytes"]);
    },
  );

  it("a frame at the cap, in socket.io's packet and socketlib's wrapper, stays well under the relay limit", () => {
    // A frame whose wire size (the UTF-8 size of JSON.stringify(frame)) is exactly the cap.
    const frame = `{"v":1,"s":"k3j4h5g6f7d8s9a0","e":[${'"'.repeat(MAX_FRAME_BYTES / 2 - 50)}`;
    const wire = Buffer.byteLength(JSON.stringify(frame), "utf8");
    const padded = frame + "x".repeat(MAX_FRAME_BYTES - wire);
    expect(Buffer.byteLength(JSON.stringify(padded), "utf8")).toBe(MAX_FRAME_BYTES);
    // socket.io-parser writes an event as `2` + JSON.stringify([event, ...args]), engine.io prefixes `4`.
    const packet = (...args: unknown[]) =>
      Buffer.byteLength(`42${JSON.stringify(["module.socket-manager", ...args])}`, "utf8");
    const native = packet(padded);
    const users = Array.from({ length: 1_000 }, (_, i) => `user${String(i).padStart(12, "0")}`);
    const socketlib = packet({
      handlerName: "frame",
      args: [padded],
      recipient: users,
      id: "x".repeat(16),
      type: 0,
    });
    expect(native - MAX_FRAME_BYTES).toBe(28);
    expect(socketlib).toBeLessThan(RELAY_MESSAGE_LIMIT - 50_000);
  });
});

describe("mergeConfig: valid patches", () => {
  it.each(CONFIG_KEYS)("accepts a valid %s and changes only that key", (key) => {
    const next = mergeConfig(DEFAULT_CONFIG, { [key]: VALID[key] });
    expect(next[key]).toBe(VALID[key]);
    expect(next[key]).not.toBe(DEFAULT_CONFIG[key]);
    for (const other of CONFIG_KEYS) if (other !== key) expect(next[other]).toBe(DEFAULT_CONFIG[other]);
  });

  it("accepts every key at once", () => {
    const next = mergeConfig(DEFAULT_CONFIG, VALID);
    expect(next).toEqual(VALID);
  });

  it("returns a frozen copy, never the base", () => {
    const next = mergeConfig(DEFAULT_CONFIG, { batchSize: 7 });
    expect(Object.isFrozen(next)).toBe(true);
    expect(next).not.toBe(DEFAULT_CONFIG);
    const empty = mergeConfig(DEFAULT_CONFIG, {});
    expect(Object.isFrozen(empty)).toBe(true);
    expect(empty).not.toBe(DEFAULT_CONFIG);
    expect(empty).toEqual(DEFAULT_CONFIG);
  });

  it("never mutates the base, on success or failure", () => {
    const base: Config = { ...DEFAULT_CONFIG };
    const before = { ...base };
    mergeConfig(base, { batchSize: 3, preferSocketLib: false });
    expect(() => mergeConfig(base, { batchSize: 4, nope: 1 })).toThrow(ValidationError);
    expect(() => mergeConfig(base, { batchSize: -4 })).toThrow(ValidationError);
    expect(base).toEqual(before);
  });

  it("applies patches on top of a previous result", () => {
    const a = mergeConfig(DEFAULT_CONFIG, { batchSize: 3 });
    const b = mergeConfig(a, { batchTimeout: 5 });
    expect(b.batchSize).toBe(3);
    expect(b.batchTimeout).toBe(5);
    expect(a.batchTimeout).toBe(DEFAULT_CONFIG.batchTimeout);
  });

  it("accepts 0 where 0 has a meaning (heartbeat off, no outbox, no window)", () => {
    const next = mergeConfig(DEFAULT_CONFIG, { heartbeatInterval: 0, outboxSize: 0, batchTimeout: 0 });
    expect(next.heartbeatInterval).toBe(0);
    expect(next.outboxSize).toBe(0);
    expect(next.batchTimeout).toBe(0);
  });

  it("allows initialReconnectionDelay equal to maxReconnectionDelay", () => {
    const next = mergeConfig(DEFAULT_CONFIG, { initialReconnectionDelay: 2000, maxReconnectionDelay: 2000 });
    expect(next.initialReconnectionDelay).toBe(2000);
    expect(next.maxReconnectionDelay).toBe(2000);
  });
});

describe("mergeConfig: invalid patches", () => {
  const badForNumbers: unknown[] = [-1, 1.5, "10", Number.NaN, Number.POSITIVE_INFINITY, null, true, {}, []];
  const badForBooleans: unknown[] = [1, 0, "true", "false", null, {}, undefined];

  it.each(NUMERIC_KEYS)("rejects wrong types and out-of-range values for %s", (key) => {
    for (const value of badForNumbers) {
      const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { [key]: value }));
      expect(err.message).toContain(key);
      expect(err.issues.map((i) => i.path?.[0])).toContain(key);
    }
  });

  it.each(BOOLEAN_KEYS)("rejects non-booleans for %s", (key) => {
    for (const value of badForBooleans) {
      const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { [key]: value }));
      expect(err.message).toContain(key);
      expect(err.issues.map((i) => i.path?.[0])).toEqual([key]);
    }
  });

  it.each([
    ["batchSize", 0],
    ["requestTimeout", 0],
    ["rateLimit", 0],
    ["rateBurst", 0],
    ["initialReconnectionDelay", 0],
    ["maxPayloadBytes", 0],
    ["maxFrameBytes", 1024 * 1024],
    ["maxFrameBytes", 100],
  ] as const)("rejects %s = %s", (key, value) => {
    const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { [key]: value }));
    expect(err.issues.map((i) => i.path?.[0])).toContain(key);
  });

  it("rejects unknown keys, naming them", () => {
    const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { batchsize: 10 }));
    expect(err.message).toContain('"batchsize"');
    expect(err.issues).toEqual([expect.objectContaining({ path: ["batchsize"] })]);
  });

  it("rejects a JSON __proto__ key as unknown and leaves prototypes alone", () => {
    const patch = JSON.parse('{"__proto__": {"batchSize": 1, "polluted": true}}');
    const err = validationError(() => mergeConfig(DEFAULT_CONFIG, patch));
    expect(err.issues.map((i) => i.path?.[0])).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("names every bad key in one error and changes nothing", () => {
    const base = mergeConfig(DEFAULT_CONFIG, {});
    const err = validationError(() =>
      mergeConfig(base, { batchSize: 0, preferSocketLib: "yes", frobnicate: 1, batchTimeout: 50 }),
    );
    const paths = err.issues.map((i) => i.path?.[0]);
    expect(paths).toEqual(expect.arrayContaining(["batchSize", "preferSocketLib", "frobnicate"]));
    expect(paths).not.toContain("batchTimeout");
    for (const key of ["batchSize", "preferSocketLib", "frobnicate"]) expect(err.message).toContain(key);
    expect(base).toEqual(DEFAULT_CONFIG);
  });

  it("refuses initialReconnectionDelay above maxReconnectionDelay (in the patch or against the base)", () => {
    const both = validationError(() =>
      mergeConfig(DEFAULT_CONFIG, { initialReconnectionDelay: 5000, maxReconnectionDelay: 1000 }),
    );
    expect(both.issues.map((i) => i.path?.[0])).toContain("initialReconnectionDelay");
    const againstBase = validationError(() =>
      mergeConfig(DEFAULT_CONFIG, { initialReconnectionDelay: DEFAULT_CONFIG.maxReconnectionDelay + 1 }),
    );
    expect(againstBase.message).toContain("initialReconnectionDelay");
    const lowerMax = validationError(() =>
      mergeConfig(DEFAULT_CONFIG, { maxReconnectionDelay: DEFAULT_CONFIG.initialReconnectionDelay - 1 }),
    );
    expect(lowerMax.message).toContain("maxReconnectionDelay");
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a number", 5],
    ["a string", "batchSize=5"],
    ["an array", [["batchSize", 5]]],
    ["a boolean", true],
  ])("refuses %s as the patch", (_label, patch) => {
    const err = validationError(() => mergeConfig(DEFAULT_CONFIG, patch));
    expect(err).toBeInstanceOf(SocketManagerError);
    expect(err.moduleId).toBe("socket-manager");
  });

  it("names the module id it is given", () => {
    const err = validationError(() => mergeConfig(DEFAULT_CONFIG, { batchSize: -1 }, "my-module"));
    expect(err.moduleId).toBe("my-module");
    expect(err.message).toContain("my-module");
  });
});
