/**
 * Where the bridge connects and whether it may: the settings' URL and token, or the overrides of
 * `api.bridge.connect` (this page session only, kept in memory, never stored); off after `disconnect()`.
 */
import type { BridgeConnectOptions } from "../contract/bridge";
import { checkConnectOptions } from "./connect-options";

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
