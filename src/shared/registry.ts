/**
 * Every shared state of one client (`channel.shared`, `api.shared()`): creates them (the same object for the
 * same key), builds the {@link SharedHost} they run on (sends and requests on Socket Manager's own channel,
 * persisted values through src/shared/persisted.ts), installs the `$sh.*` routes (src/shared/routes.ts), and
 * tells each state who the authority is, now and whenever a user connects or the link changes.
 */
import type { ChannelImpl } from "../channel";
import { SocketManagerError, ValidationError } from "../contract/errors";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  SharedInfo,
  SharedState,
} from "../contract/types";
import { RateLimiter, type RateLimits } from "../pipeline/rate-limit";
import type { Core } from "../services/core";
import type { TransportKind } from "../transports/transport";
import { facadeOf } from "./facade";
import type { SharedHost } from "./host";
import { assertSharedKey, readSharedOptions, type SharedConfig, sharedMismatch } from "./options";
import { PersistedValues } from "./persisted";
import { ProposalWork } from "./proposal-work";
import { installRoutes } from "./routes";
import { SharedStateCore } from "./state";
import {
  type PollReply,
  readFetchReply,
  readPollReply,
  readProposeReply,
  SHARED_EVENTS,
  type StateRef,
} from "./wire";

export { settingKey } from "./persisted";

/** How long a new authority waits for every client to say what it holds. */
export const POLL_TIMEOUT_MS = 3000;

export interface SharedStatesDeps {
  core: Core;
  /** Socket Manager's own channel, where the reserved `$sh.*` events live. */
  channel(): ChannelImpl;
  emit(event: string, data: unknown, opts: EmitOptions): Promise<EmitReport>;
  request<R>(event: string, data: unknown, opts: RequestOptions): Promise<R>;
  requestAll<R>(
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>>;
  transport(): TransportKind | null;
  onStateChange(fn: (state: ConnectionState) => void): () => void;
}

function id(moduleId: string, key: string): string {
  return `${moduleId}\u0000${key}`;
}

/**
 * Bytes of snapshots the authority sends one user, over all its states: a want is a few bytes and a snapshot up
 * to a whole value that the server relays to every client, so asking must not set the pace. 8 MiB at once holds
 * a late joiner's states in most worlds; a larger value still goes, when the budget is full.
 */
export const SNAPSHOT_BYTES: RateLimits = Object.freeze({
  rateLimit: 1024 * 1024,
  rateBurst: 8 * 1024 * 1024,
});

export class SharedStates {
  readonly #deps: SharedStatesDeps;
  readonly #states = new Map<string, { core: SharedStateCore; facade: SharedState<unknown> }>();
  #installed = false;
  #started = false;
  #startedPromise: Promise<void>;
  #resolveStarted: () => void = () => {};
  #epochs = 0;
  #unhooks: (() => void)[] = [];
  readonly #host: SharedHost;
  readonly #snapshotBytes: RateLimiter;

  constructor(deps: SharedStatesDeps) {
    this.#deps = deps;
    this.#startedPromise = new Promise((resolve) => {
      this.#resolveStarted = resolve;
    });
    const { core } = deps;
    const persisted = new PersistedValues(core);
    this.#snapshotBytes = new RateLimiter(() => SNAPSHOT_BYTES, core.clock);
    this.#host = {
      get me() {
        return core.userId();
      },
      clock: core.clock,
      log: core.log,
      counters: core.counters,
      requestTimeout: () => core.config().requestTimeout,
      authority: () => this.#authority(),
      user: (userId) => core.roster.user(userId),
      started: () => this.#startedPromise,
      newEpoch: () => `${core.session}.${++this.#epochs}`,
      sendPatch: (message) => this.#send(SHARED_EVENTS.patch, message, "others"),
      sendSnapshot: (message, to) => this.#send(SHARED_EVENTS.snapshot, message, to),
      snapshotBudget: (userId, bytes) => this.#snapshotBytes.allow(userId, core.clock.now(), bytes),
      proposalWork: new ProposalWork(core.clock),
      sendWant: (message, to) => this.#send(SHARED_EVENTS.want, message, [to]),
      propose: async (message) => {
        const raw = await deps.request<unknown>(SHARED_EVENTS.propose, message, { to: "gm" });
        const reply = readProposeReply(raw);
        if (!reply)
          throw new SocketManagerError("the GM answered the change with nonsense", { moduleId: message.m });
        return reply;
      },
      poll: (ref) => this.#poll(ref),
      fetch: async (ref, userId) => {
        const raw = await deps.request<unknown>(
          SHARED_EVENTS.fetch,
          { m: ref.m, k: ref.k },
          {
            to: userId,
            timeout: POLL_TIMEOUT_MS,
          },
        );
        return this.#answer(raw, readFetchReply);
      },
      loadPersisted: (ref) => persisted.load(ref),
      savePersisted: (ref, version, value) => persisted.save(ref, version, value),
      forget: (state) => this.#states.delete(id(state.ref.m, state.ref.k)),
    };
  }

  /**
   * `channel(moduleId).shared(key, opts)`: the same object for the same key while it lives. `checked` is `opts`
   * as readSharedOptions already read them (src/shared/lazy.ts did, at the call), so `initial` is not copied
   * and measured a second time.
   */
  get(moduleId: string, key: string, opts: unknown, checked?: SharedConfig): SharedState<unknown> {
    assertSharedKey(key, moduleId);
    const config = checked ?? readSharedOptions(moduleId, key, opts);
    const existing = this.#states.get(id(moduleId, key));
    if (existing) {
      const differs = sharedMismatch(existing.core.config, config);
      if (differs)
        throw new ValidationError(`shared "${key}" already exists with another ${differs}`, { moduleId });
      return existing.facade;
    }
    this.#install();
    const core = new SharedStateCore({ m: moduleId, k: key }, config, this.#host);
    const facade = facadeOf(core);
    this.#states.set(id(moduleId, key), { core, facade });
    if (this.#started) {
      const authority = this.#authority();
      core.setAuthority(authority === this.#deps.core.userId(), authority);
    }
    return facade;
  }

  /** Every shared state of this client. */
  list(): SharedInfo[] {
    return [...this.#states.values()].map((s) => s.core.info());
  }

  /** Disposes every shared state of one module (its channel was disposed). */
  disposeModule(moduleId: string): void {
    for (const { core } of [...this.#states.values()]) if (core.ref.m === moduleId) core.dispose();
  }

  /** The client started: users are known, the transport chosen. Follows who the authority is from now on. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const { core } = this.#deps;
    const hookId = core.env.hooks.on("userConnected", () => core.defer(() => this.#reevaluate()));
    this.#unhooks.push(() => core.env.hooks.off("userConnected", hookId));
    let last: ConnectionState | null = null;
    this.#unhooks.push(
      this.#deps.onStateChange((state) => {
        const back = state === "connected" && last !== null && last !== "connected";
        last = state;
        this.#reevaluate();
        if (back) for (const { core: s } of this.#states.values()) s.reconnected();
      }),
    );
    this.#reevaluate();
    this.#resolveStarted();
  }

  /** Shutdown: every timer stops; nothing more is sent. */
  dispose(): void {
    for (const off of this.#unhooks.splice(0)) off();
    for (const { core } of this.#states.values()) core.shutDown();
    this.#states.clear();
  }

  #authority(): string | null {
    if (!this.#started) return null;
    const { core } = this.#deps;
    if (this.#deps.transport() === "local") return core.userId();
    return core.roster.pickGM()?.id ?? null;
  }

  #reevaluate(): void {
    const authority = this.#authority();
    const me = this.#deps.core.userId();
    for (const { core } of [...this.#states.values()]) core.setAuthority(authority === me, authority);
  }

  #send(event: string, data: unknown, to: EmitOptions["to"]): void {
    if (this.#deps.transport() === "local") return;
    if (Array.isArray(to) && to.length === 0) return;
    void this.#deps.emit(event, data, { to }).catch((e: unknown) => {
      this.#deps.core.log.error(`shared state: sending ${event} failed`, e);
    });
  }

  async #poll(ref: StateRef): Promise<Map<string, PollReply | null>> {
    const out = new Map<string, PollReply | null>();
    if (this.#deps.transport() === "local") return out;
    const others = this.#deps.core.roster.otherIds().slice();
    if (others.length === 0) return out;
    const results = await this.#deps.requestAll<unknown>(
      SHARED_EVENTS.poll,
      { m: ref.m, k: ref.k },
      { to: others, timeout: POLL_TIMEOUT_MS },
    );
    for (const [userId, result] of results)
      out.set(userId, result.ok ? this.#answer(result.value, readPollReply) : null);
    return out;
  }

  /** A peer's answer to a poll or fetch: null from a client without the state; one `read` refuses is counted. */
  #answer<T>(raw: unknown, read: (raw: unknown) => T | null): T | null {
    if (raw === null || raw === undefined) return null;
    const reply = read(raw);
    if (!reply) this.#deps.core.counters.drop("envelope-shape");
    return reply;
  }

  /** The `$sh.*` handlers, added to Socket Manager's own channel with the first shared state. */
  #install(): void {
    if (this.#installed) return;
    this.#installed = true;
    installRoutes(this.#deps.channel(), this.#deps.core, (ref) => this.#find(ref));
  }

  #find(ref: StateRef): SharedStateCore | undefined {
    const state = this.#states.get(id(ref.m, ref.k))?.core;
    if (!state) this.#deps.core.counters.drop("shared-unknown");
    return state;
  }
}
