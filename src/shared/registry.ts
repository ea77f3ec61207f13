/**
 * Every shared state of one client (`channel.shared`, `api.shared()`): creates them, routes the `$sh.*`
 * messages of Socket Manager's own channel to them (src/shared/wire.ts), tells each who the authority is, and
 * keeps persisted values in hidden world settings.
 */
import type { ChannelImpl } from "../channel";
import { SocketManagerError, ValidationError } from "../contract/errors";
import { MODULE_ID } from "../contract/ids";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  MessageContext,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  SharedChange,
  SharedInfo,
  SharedState,
} from "../contract/types";
import type { Core } from "../services/core";
import type { TransportKind } from "../transports/transport";
import { assertSharedKey, readSharedOptions, sharedMismatch } from "./options";
import { type SharedHost, SharedStateCore } from "./state";
import {
  type FetchReply,
  isVersion,
  type PollReply,
  type ProposeReply,
  readFetchReply,
  readPatchMessage,
  readPollReply,
  readProposeMessage,
  readProposeReply,
  readRef,
  readSnapshotMessage,
  readWantMessage,
  SHARED_EVENTS,
  type StateRef,
} from "./wire";

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

/** The hidden world setting a persisted state lives in: `socket-manager.shared.<moduleId>.<key>`. */
export function settingKey(ref: StateRef): string {
  return `shared.${ref.m}.${ref.k}`;
}

export class SharedStates {
  readonly #deps: SharedStatesDeps;
  readonly #states = new Map<string, { core: SharedStateCore; facade: SharedState<unknown> }>();
  readonly #registered = new Set<string>();
  #installed = false;
  #started = false;
  #startedPromise: Promise<void>;
  #resolveStarted: () => void = () => {};
  #epochs = 0;
  #unhooks: (() => void)[] = [];
  readonly #host: SharedHost;

  constructor(deps: SharedStatesDeps) {
    this.#deps = deps;
    this.#startedPromise = new Promise((resolve) => {
      this.#resolveStarted = resolve;
    });
    const { core } = deps;
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
        return readFetchReply(raw);
      },
      loadPersisted: (ref) => this.#load(ref),
      savePersisted: (ref, version, value) => this.#save(ref, version, value),
      forget: (state) => this.#states.delete(id(state.ref.m, state.ref.k)),
    };
  }

  /** `channel(moduleId).shared(key, opts)`: the same object for the same key while it lives. */
  get(moduleId: string, key: string, opts: unknown): SharedState<unknown> {
    assertSharedKey(key, moduleId);
    const config = readSharedOptions(moduleId, key, opts);
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
    for (const [userId, result] of results) out.set(userId, result.ok ? readPollReply(result.value) : null);
    return out;
  }

  #store() {
    return this.#deps.core.env.settings ?? null;
  }

  #ensureSetting(ref: StateRef): boolean {
    const store = this.#store();
    if (!store) return false;
    const key = settingKey(ref);
    if (!this.#registered.has(key)) {
      store.register(MODULE_ID, key, {
        name: `Socket Manager: shared state ${ref.k} of ${ref.m}`,
        scope: "world",
        config: false,
        type: Object,
        default: null,
      });
      this.#registered.add(key);
    }
    return true;
  }

  #load(ref: StateRef): { v: number; d: unknown } | null {
    try {
      if (!this.#ensureSetting(ref)) return null;
      const raw = this.#store()?.get(MODULE_ID, settingKey(ref)) as { v?: unknown; d?: unknown } | null;
      if (typeof raw !== "object" || raw === null || !isVersion(raw.v) || !("d" in raw)) return null;
      return { v: raw.v, d: raw.d };
    } catch (e) {
      this.#deps.core.log.warn(`could not read the saved value of shared "${ref.k}" (${ref.m})`, e);
      return null;
    }
  }

  #save(ref: StateRef, version: number, value: unknown): void {
    try {
      if (!this.#ensureSetting(ref)) return;
      const saving = this.#store()?.set(MODULE_ID, settingKey(ref), { v: version, d: value });
      void Promise.resolve(saving).catch((e: unknown) =>
        this.#deps.core.log.warn(`could not save shared "${ref.k}" (${ref.m})`, e),
      );
    } catch (e) {
      this.#deps.core.log.warn(`could not save shared "${ref.k}" (${ref.m})`, e);
    }
  }

  /** The `$sh.*` handlers, added to Socket Manager's own channel with the first shared state. */
  #install(): void {
    if (this.#installed) return;
    this.#installed = true;
    const channel = this.#deps.channel();
    channel.on(SHARED_EVENTS.patch, (data, ctx) => {
      const message = this.#fromGM(ctx) ? readPatchMessage(data) : null;
      if (message) this.#find(message)?.patch(message);
    });
    channel.on(SHARED_EVENTS.snapshot, (data, ctx) => {
      const message = this.#fromGM(ctx) ? readSnapshotMessage(data) : null;
      if (message) this.#find(message)?.snapshot(message);
    });
    channel.on(SHARED_EVENTS.want, (data, ctx) => {
      if (!this.#remote(ctx)) return;
      const message = readWantMessage(data);
      if (!message) return this.#deps.core.counters.drop("envelope-shape");
      this.#find(message)?.want(message, ctx.sender);
    });
    channel.handle(SHARED_EVENTS.propose, (data, ctx): Promise<ProposeReply> | ProposeReply => {
      const message = readProposeMessage(data);
      if (!message) return { x: "ValidationError", m: "the change is not a list of operations" };
      const state = this.#find(message);
      if (!state) return { x: "NoGMError", m: `the GM has no shared state "${message.k}" (yet)`, r: 1 };
      return state.propose(message.o, ctx.sender);
    });
    channel.handle(SHARED_EVENTS.poll, (data, ctx): PollReply | null => {
      const ref = readRef(data);
      if (!ref || !ctx.sender.isGM || ctx.senderId === this.#deps.core.userId()) return null;
      return this.#find(ref)?.poll() ?? null;
    });
    channel.handle(SHARED_EVENTS.fetch, (data, ctx): FetchReply | null => {
      const ref = readRef(data);
      if (!ref || !ctx.sender.isGM || ctx.senderId === this.#deps.core.userId()) return null;
      return this.#find(ref)?.fetch() ?? null;
    });
  }

  /** Messages from other clients only: this client's own (local mode loops back) and simulated ones are not. */
  #remote(ctx: MessageContext): boolean {
    return !ctx.simulated && ctx.senderId !== this.#deps.core.userId();
  }

  /** Patches and snapshots count only from a GM's client (an assistant's included). */
  #fromGM(ctx: MessageContext): boolean {
    if (!this.#remote(ctx)) return false;
    if (ctx.sender.isGM) return true;
    this.#deps.core.counters.drop("permission");
    return false;
  }

  #find(ref: StateRef): SharedStateCore | undefined {
    const state = this.#states.get(id(ref.m, ref.k))?.core;
    if (!state) this.#deps.core.counters.drop("shared-unknown");
    return state;
  }
}

/** The object a module holds: the public surface of one state, frozen. */
function facadeOf(core: SharedStateCore): SharedState<unknown> {
  return Object.freeze({
    moduleId: core.ref.m,
    key: core.ref.k,
    get value() {
      return core.value;
    },
    get version() {
      return core.version;
    },
    get synced() {
      return core.synced;
    },
    subscribe: (fn: (value: unknown, change: SharedChange) => void) => core.subscribe(fn),
    update: (fn: (draft: unknown) => void) => core.update(fn),
    set: (partial: unknown) => core.set(partial),
    dispose: () => core.dispose(),
  } satisfies SharedState<unknown>);
}
