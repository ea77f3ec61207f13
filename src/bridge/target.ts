/**
 * Where the bridge connects and whether it may: the settings' URL and token, or the overrides of
 * `api.bridge.connect` (this page session only, kept in memory, never stored); off after `disconnect()`.
 */
import type { BridgeConnectOptions } from "../contract/bridge";
import { ValidationError } from "../contract/errors";
import { checkKeys } from "../services/options";

/** Longest token the protocol accepts in a hello (docs/BRIDGE.md, hello). */
export const MAX_TOKEN = 4096;

const CONNECT_KEYS = ["url", "token"] as const;

/** `connect()`'s options, checked; the token's value is never put in an error message. */
export function checkConnectOptions(opts: unknown): BridgeConnectOptions {
  const fail = (message: string) => new ValidationError(message, { moduleId: "bridge", event: "connect" });
  if (opts === undefined) return {};
  if (typeof opts !== "object" || opts === null || Array.isArray(opts))
    throw fail("connect options must be an object");
  checkKeys(opts, CONNECT_KEYS, "bridge connect", "bridge", "connect");
  const { url, token } = opts as Record<string, unknown>;
  const out: BridgeConnectOptions = {};
  if (url !== undefined) {
    if (typeof url !== "string" || !isWebSocketUrl(url.trim()))
      throw fail("url must be a ws:// or wss:// URL");
    out.url = url.trim();
  }
  if (token !== undefined) {
    if (typeof token !== "string" || token.length < 1 || token.length > MAX_TOKEN)
      throw fail(`token must be a string of 1 to ${MAX_TOKEN} characters`);
    out.token = token;
  }
  return out;
}

function isWebSocketUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "ws:" || protocol === "wss:";
  } catch {
    return false;
  }
}

export class BridgeTarget {
  readonly #settings: { url(): string; token(): string };
  #overrides: BridgeConnectOptions = {};
  #paused = false;

  constructor(settings: { url(): string; token(): string }) {
    this.#settings = settings;
  }

  url(): string {
    return this.#overrides.url ?? this.#settings.url();
  }

  token(): string {
    return this.#overrides.token ?? this.#settings.token();
  }

  /** False after `disconnect()`, until `connect()`. */
  get enabled(): boolean {
    return !this.#paused;
  }

  /** What a refusal is about: the URL and the token in use (a change of either is worth a new try). */
  key(): string {
    return `${this.url()}\n${this.token()}`;
  }

  /** `connect(opts)`: its overrides replace the previous ones, and the bridge may connect again. */
  connect(opts: unknown): void {
    this.#overrides = checkConnectOptions(opts);
    this.#paused = false;
  }

  /** `disconnect()`: off until `connect()`, and the overrides are forgotten. */
  disconnect(): void {
    this.#overrides = {};
    this.#paused = true;
  }
}
