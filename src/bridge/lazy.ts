/**
 * The bridge loads on first use: every client starts with this small stand-in, which keeps the handlers
 * modules register and answers "off" while there is nothing to do. The client itself (./client.ts, in the
 * bridge chunk beside the module's file, loaded by ./load.ts) loads when the bridge should connect (a URL and token are set and this client is
 * the active GM), or at the first `connect()` or `emit()`.
 */
import { ValidationError } from "../contract/errors";
import type { BridgeConnectOptions, BridgeState, BridgeStatus } from "../contract/types";
import type { BridgeClient } from "./client";
import { checkConnectOptions } from "./connect-options";
import { BridgeHandlers } from "./handlers";
import type { BridgeHost } from "./host";

export type LoadBridge = (host: BridgeHost, handlers: BridgeHandlers) => Promise<BridgeClient>;

export class LazyBridge {
  readonly handlers = new BridgeHandlers();
  readonly #host: BridgeHost;
  readonly #load: LoadBridge;
  readonly #listeners = new Set<(state: BridgeState) => void>();
  #client: BridgeClient | null = null;
  #loading: Promise<BridgeClient> | null = null;
  #disposed = false;

  constructor(host: BridgeHost, load: LoadBridge) {
    this.#host = host;
    this.#load = load;
  }

  /** Whether the client is loaded (tests and the bundle bench ask). */
  get loaded(): boolean {
    return this.#client !== null;
  }

  get state(): BridgeState {
    return this.#client?.state ?? "off";
  }

  refresh(): void {
    if (this.#client) this.#client.refresh();
    else if (this.#wanted()) this.#use((c) => c.refresh());
  }

  connect(opts?: BridgeConnectOptions): void {
    checkConnectOptions(opts); // a mistake throws here, where the caller is
    this.#use((c) => c.connect(opts));
  }

  disconnect(): void {
    if (this.#client) this.#client.disconnect();
    else if (this.#loading) this.#use((c) => c.disconnect());
  }

  emit(event: string, data?: unknown): Promise<void> {
    if (this.#client) return this.#client.emit(event, data);
    return this.#ensure().then((c) => c.emit(event, data));
  }

  onStateChange(fn: (state: BridgeState) => void): () => void {
    if (typeof fn !== "function")
      throw new ValidationError("onStateChange needs a function", { moduleId: "bridge" });
    const entry = (state: BridgeState) => fn(state);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  status(): BridgeStatus {
    return (
      this.#client?.status() ?? {
        state: "off",
        url: "",
        attempts: 0,
        queued: 0,
        handlers: this.handlers.kinds(),
        framesIn: 0,
        framesOut: 0,
        eventsSent: 0,
        reconnectAttempts: 0,
        requests: {},
        dropped: {},
      }
    );
  }

  dispose(): void {
    this.#disposed = true;
    this.#client?.dispose();
    this.#listeners.clear();
  }

  /** Cheap: whether the settings alone would turn the bridge on here (overrides come only with `connect()`). */
  #wanted(): boolean {
    const h = this.#host;
    return h.url() !== "" && h.token() !== "" && h.isAuthority();
  }

  #use(fn: (client: BridgeClient) => void): void {
    this.#ensure().then(
      (client) => {
        if (!this.#disposed) fn(client);
      },
      (e: unknown) => this.#host.log.error("the bridge could not load", e),
    );
  }

  #ensure(): Promise<BridgeClient> {
    if (this.#loading) return this.#loading;
    this.#loading = this.#load(this.#host, this.handlers).then((client) => {
      if (this.#disposed) {
        client.dispose();
        return client;
      }
      this.#client = client;
      client.onStateChange((state) => {
        for (const fn of [...this.#listeners]) fn(state);
      });
      return client;
    });
    this.#host.clock.track?.(this.#loading);
    return this.#loading;
  }
}
