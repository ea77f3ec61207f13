import type { Config } from "./contract/config";
import { ValidationError } from "./contract/errors";
import { MODULE_ID } from "./contract/ids";

export type { Config };

/**
 * The most a socket.io server accepts in one message before it disconnects the sender: `maxHttpBufferSize`,
 * 1e6 bytes by default (Foundry's server and the test relay keep that default).
 */
export const RELAY_MESSAGE_LIMIT = 1_000_000;

/**
 * The largest `maxFrameBytes` may be configured: 900 KiB (921,600 bytes), 78,400 bytes under the relay's limit.
 * A frame is an object measured as it travels (the UTF-8 size of `JSON.stringify(frame)`, computed without
 * writing it: src/pipeline/sizes.ts), and every frame the send path emits is at most `maxFrameBytes` on that
 * measure. The message the relay receives adds to it:
 * - the native path, `42["module.socket-manager",<frame>]`: 28 bytes;
 * - the socketlib path, `42["module.socket-manager",{"handlerName":"frame","args":[<frame>],"recipient":…,
 *   "id":"…","type":0}]`: about 110 bytes, plus 19 bytes per user if socketlib lists recipients by id;
 * - an acknowledgement id, should a Foundry version add one: a few digits.
 * The rest of the margin (over 78 KB, room for a recipient list of 4,000 users) is kept on purpose: it costs
 * under a tenth of a frame, and no message is ever worth the sender's connection.
 */
export const MAX_FRAME_BYTES = 900 * 1024;

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  batchSize: 200,
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
  requestTimeout: 10_000,
  maxPayloadBytes: 16 * 1024 * 1024,
  // 256 KiB on the wire: a frame of ordinary envelopes rarely gets near it, and a large payload is cut into
  // chunks that leave the socket free for other traffic between them (the most it may be: MAX_FRAME_BYTES).
  maxFrameBytes: 256 * 1024,
  outboxSize: 1000,
  rateLimit: 10_000,
  rateBurst: 200_000,
  heartbeatInterval: 10_000,
});

type Rule = (value: unknown) => string | null;

const int =
  (min: number, max: number): Rule =>
  (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? null
      : `must be a whole number from ${min} to ${max}`;
const bool: Rule = (v) => (typeof v === "boolean" ? null : "must be true or false");

const RULES: { [K in keyof Config]: Rule } = {
  batchSize: int(1, 10_000),
  batchTimeout: int(0, 60_000),
  maxMessageAge: int(100, 86_400_000),
  maxReconnectionAttempts: int(0, 1000),
  initialReconnectionDelay: int(1, 600_000),
  maxReconnectionDelay: int(1, 3_600_000),
  preferSocketLib: bool,
  fallbackToLocal: bool,
  enableDebugLogging: bool,
  logAllMessages: bool,
  performanceMonitoring: bool,
  requestTimeout: int(1, 3_600_000),
  maxPayloadBytes: int(1024, 256 * 1024 * 1024),
  maxFrameBytes: int(4096, MAX_FRAME_BYTES),
  outboxSize: int(0, 1_000_000),
  rateLimit: int(1, 10_000_000),
  rateBurst: int(1, 10_000_000),
  heartbeatInterval: int(0, 3_600_000),
};

/** A short, never-throwing description of a bad value for an error message. */
function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n (a BigInt)`;
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "function") return "a function";
  return Array.isArray(value) ? "an array" : "an object";
}

export const CONFIG_KEYS = Object.keys(RULES) as (keyof Config)[];

/** Returns base with patch applied, or throws ValidationError naming every bad key. Never mutates. */
export function mergeConfig(base: Readonly<Config>, patch: unknown, moduleId = MODULE_ID): Readonly<Config> {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ValidationError("configure() takes an object of options", { moduleId });
  }
  const issues: { message: string; path: string[] }[] = [];
  const next: Config = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const rule = (RULES as Record<string, Rule | undefined>)[key];
    if (!Object.hasOwn(RULES, key) || !rule) {
      issues.push({ message: `unknown option "${key}"`, path: [key] });
      continue;
    }
    const problem = rule(value);
    if (problem) issues.push({ message: `${key} ${problem} (got ${describeValue(value)})`, path: [key] });
    else (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (next.initialReconnectionDelay > next.maxReconnectionDelay) {
    issues.push({
      message: "initialReconnectionDelay must not exceed maxReconnectionDelay",
      path: ["initialReconnectionDelay"],
    });
  }
  if (issues.length > 0) {
    throw new ValidationError(`invalid configuration: ${issues.map((i) => i.message).join("; ")}`, {
      moduleId,
      issues,
    });
  }
  return Object.freeze(next);
}
