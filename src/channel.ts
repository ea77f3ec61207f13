import { SocketManagerError, ValidationError } from "./contract/errors";
import { MODULE_ID } from "./contract/ids";
import type {
  Channel,
  EmitOptions,
  EmitReport,
  Handler,
  HandlerOptions,
  PeerEvent,
  PeerInfo,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  Responder,
  SharedOptions,
  SharedState,
} from "./contract/types";
import type { HandlerEntry, ResponderEntry } from "./pipeline/dispatch";
import { isPermission } from "./pipeline/permission";
import { isStandardSchema } from "./pipeline/schema";
import { assertEventName, assertModuleId } from "./pipeline/validate";
import { checkKeys, HANDLER_KEYS } from "./services/options";

/** The options of a call made without any: one shared object, not a new one per message. */
const NO_OPTIONS = Object.freeze({});
const NO_HANDLERS: readonly HandlerEntry[] = [];

export type { HandlerEntry, ResponderEntry };

/** What a channel asks of the manager that owns it. */
export interface ChannelHost {
  emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport>;
  request<R>(channel: string, event: string, data: unknown, opts: RequestOptions): Promise<R>;
  requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>>;
  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void;
  /** The module's shared state `key` (the same object for the same key). */
  shared(channel: string, key: string, opts: unknown): SharedState<unknown>;
  /** Disposes every shared state of the module. */
  disposeShared(channel: string): void;
}

function checkOptions(opts: HandlerOptions | undefined, moduleId: string, event: string): HandlerOptions {
  if (opts === undefined) return {};
  if (typeof opts !== "object" || opts === null) {
    throw new ValidationError("handler options must be an object", { moduleId, event });
  }
  checkKeys(opts, HANDLER_KEYS, "handler", moduleId, event);
  if (opts.permission !== undefined && !isPermission(opts.permission)) {
    throw new ValidationError(`permission must be "player", "trusted", "assistant", "gm" or a function`, {
      moduleId,
      event,
    });
  }
  if (opts.schema !== undefined && !isStandardSchema(opts.schema)) {
    throw new ValidationError("schema must implement the Standard Schema interface (~standard)", {
      moduleId,
      event,
    });
  }
  return { ...opts };
}

function checkFunction(fn: unknown, moduleId: string, event: string): void {
  if (typeof fn !== "function") throw new ValidationError("handler must be a function", { moduleId, event });
}

/** One consumer module's namespace: its handlers, its responders, and its way to send. */
export class ChannelImpl implements Channel {
  readonly #handlers = new Map<string, readonly HandlerEntry[]>();
  readonly #responders = new Map<string, ResponderEntry>();
  readonly #peerListeners = new Set<() => void>();

  readonly #host: ChannelHost;
  /** Only Socket Manager's own channel may use `$` event names. */
  readonly #allowReserved: boolean;

  constructor(
    readonly moduleId: string,
    host: ChannelHost,
    allowReserved = false,
  ) {
    this.#host = host;
    this.#allowReserved = allowReserved;
  }

  on<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void {
    return this.#add(event, handler as Handler, handler as Handler, opts);
  }

  once<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void {
    let fired = false;
    const wrapper: Handler = (data, ctx) => {
      if (fired) return;
      fired = true;
      unsubscribe();
      return (handler as Handler)(data, ctx);
    };
    const unsubscribe = this.#add(event, wrapper, handler as Handler, opts);
    return unsubscribe;
  }

  off(event: string, handler?: Handler<never>): void {
    const list = this.#handlers.get(event);
    if (!list) return;
    const rest = handler ? list.filter((h) => h.original !== handler && h.fn !== handler) : [];
    if (rest.length > 0) this.#handlers.set(event, rest);
    else this.#handlers.delete(event);
  }

  handle<T = unknown, R = unknown>(event: string, fn: Responder<T, R>, opts?: HandlerOptions): () => void {
    assertEventName(event, this.moduleId, this.#allowReserved);
    checkFunction(fn, this.moduleId, event);
    if (this.#responders.has(event)) {
      throw new SocketManagerError(
        "a responder for this event is already registered; call its unsubscribe first",
        {
          moduleId: this.moduleId,
          event,
        },
      );
    }
    const entry: ResponderEntry = { fn: fn as Responder, opts: checkOptions(opts, this.moduleId, event) };
    this.#responders.set(event, entry);
    return () => {
      if (this.#responders.get(event) === entry) this.#responders.delete(event);
    };
  }

  emit(event: string, data?: unknown, opts: EmitOptions = NO_OPTIONS): Promise<EmitReport> {
    return this.#host.emit(this.moduleId, event, data, opts);
  }

  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void {
    if (kind !== "join" && kind !== "ready" && kind !== "leave") {
      throw new ValidationError(`onPeer: kind must be "join", "ready" or "leave"`, {
        moduleId: this.moduleId,
      });
    }
    const off = this.#host.onPeer(kind, fn);
    this.#peerListeners.add(off);
    return () => {
      off();
      this.#peerListeners.delete(off);
    };
  }

  request<R = unknown>(event: string, data?: unknown, opts: RequestOptions = NO_OPTIONS): Promise<R> {
    return this.#host.request<R>(this.moduleId, event, data, opts);
  }

  requestAll<R = unknown>(
    event: string,
    data?: unknown,
    opts: RequestAllOptions = NO_OPTIONS,
  ): Promise<Map<string, RequestResult<R>>> {
    return this.#host.requestAll<R>(this.moduleId, event, data, opts);
  }

  shared<T>(key: string, opts: SharedOptions<T>): SharedState<T> {
    return this.#host.shared(this.moduleId, key, opts) as SharedState<T>;
  }

  dispose(): void {
    this.#handlers.clear();
    this.#responders.clear();
    for (const off of this.#peerListeners) off();
    this.#peerListeners.clear();
    this.#host.disposeShared(this.moduleId);
  }

  /**
   * The event's handlers as they are now, for the dispatcher, which only reads it. A list is never changed in
   * place (adding or removing a handler puts a new one in its place), so handlers may subscribe and unsubscribe
   * while it is being run, and no message pays for a copy. (Not frozen: V8 runs the receive path measurably
   * slower over frozen arrays.)
   */
  handlersFor(event: string): readonly HandlerEntry[] {
    return this.#handlers.get(event) ?? NO_HANDLERS;
  }

  responderFor(event: string): ResponderEntry | undefined {
    return this.#responders.get(event);
  }

  /** Events with a handler or a responder on this client. */
  eventNames(): string[] {
    return [...new Set([...this.#handlers.keys(), ...this.#responders.keys()])];
  }

  handlerCount(event: string): number {
    return this.#handlers.get(event)?.length ?? 0;
  }

  #add(event: string, fn: Handler, original: Handler, opts: HandlerOptions | undefined): () => void {
    assertEventName(event, this.moduleId, this.#allowReserved);
    checkFunction(original, this.moduleId, event);
    const entry: HandlerEntry = { fn, original, opts: checkOptions(opts, this.moduleId, event) };
    const list = this.#handlers.get(event);
    this.#handlers.set(event, list ? [...list, entry] : [entry]);
    return () => {
      const current = this.#handlers.get(event);
      if (!current) return;
      const rest = current.filter((h) => h !== entry);
      if (rest.length > 0) this.#handlers.set(event, rest);
      else this.#handlers.delete(event);
    };
  }
}

/** Every module's channel, made on first use: one per module id. */
export class Channels {
  readonly #channels = new Map<string, ChannelImpl>();
  readonly #host: ChannelHost;

  constructor(host: ChannelHost) {
    this.#host = host;
  }

  get(moduleId: string): ChannelImpl {
    assertModuleId(moduleId);
    let channel = this.#channels.get(moduleId);
    if (!channel) {
      channel = new ChannelImpl(moduleId, this.#host, moduleId === MODULE_ID);
      this.#channels.set(moduleId, channel);
    }
    return channel;
  }

  find(moduleId: string): ChannelImpl | undefined {
    return this.#channels.get(moduleId);
  }

  list(): ChannelImpl[] {
    return [...this.#channels.values()];
  }
}
