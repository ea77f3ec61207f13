import { LazyBridge } from "./bridge/lazy";
import type { Config } from "./config";
import { errors, TransportError, ValidationError } from "./contract/errors";
import { MODULE_ID } from "./contract/ids";
import { socketlibErrors } from "./contract/socketlib-errors";
import type {
  Api,
  BridgeApi,
  BridgeHandler,
  BridgeHandlerOptions,
  BridgeState,
  EmitOptions,
  EventInfo,
  Handler,
  HandlerOptions,
  MessageContext,
  MetricsSnapshot,
  SeedEmitOptions,
  SeedHandler,
  SeedMessageContext,
  SocketlibCompatOptions,
  Status,
} from "./contract/types";
import type { SocketManager } from "./manager";
import { PROTOCOL_VERSION } from "./pipeline/envelope";
import { createSocketlibCompat } from "./socketlib-compat";

export type * from "./contract/types";

/** Default time api.test() waits for each peer's answer. */
const TEST_TIMEOUT_MS = 5000;

function seedContext(data: unknown, ctx: MessageContext): SeedMessageContext {
  return Object.freeze({
    ...ctx,
    source: ctx.senderId,
    timestamp: ctx.sentAt,
    originalMessage: Object.freeze({
      event: ctx.event,
      data,
      source: ctx.senderId,
      timestamp: ctx.sentAt,
      messageId: ctx.messageId,
    }),
  });
}

/** The seed's `target` as the channel's `to`: its "all" meant every other client (nothing comes back). */
function seedOptions(options: SeedEmitOptions, event: string): EmitOptions {
  const { target, moduleId = MODULE_ID, ...rest } = options;
  if (target === undefined) return rest;
  if (rest.to !== undefined) {
    throw new ValidationError('emit: give "target" or "to", not both', { moduleId, event });
  }
  const to =
    target === "all"
      ? "others"
      : typeof target === "string" && target !== "gm" && target !== "gms"
        ? [target]
        : target;
  return { ...rest, to };
}

/**
 * A bridge that never connects: for managers built without the module's entry (tests, and the library's
 * embedded instances, which therefore do not carry the bridge's client). Its `emit` rejects and `connect`
 * logs why: the bridge is the module's.
 */
function inertBridge(manager: SocketManager): LazyBridge {
  return new LazyBridge(
    {
      clock: manager.clock,
      log: manager.log,
      limits: () => manager.config,
      url: () => "",
      token: () => "",
      isAuthority: () => false,
      hello: () => ({ world: "", user: manager.env.userId, module: manager.version }),
      socketClass: () => undefined,
      notify: () => {},
    },
    () =>
      Promise.reject(
        new TransportError("the bridge needs the Socket Manager module", { moduleId: "bridge" }),
      ),
  );
}

/** Builds the one frozen public API object over a manager. */
export function createApi(manager: SocketManager, bridge: LazyBridge = inertBridge(manager)): Api {
  const seedHandlers = new Map<string, () => void>();
  let nextHandlerId = 1;
  const compatSockets = new Map<string, ReturnType<typeof createSocketlibCompat>>();
  let readyPromise: Promise<Api> | null = null;

  const register = (
    moduleId: string,
    event: string,
    handler: SeedHandler,
    options?: HandlerOptions,
  ): string => {
    // The seed's handlers get its context names too.
    const seeded: Handler = (data, ctx) => handler(data, seedContext(data, ctx));
    const off = manager.channel(moduleId).on(event, seeded, options);
    const id = `${moduleId}:${nextHandlerId++}`;
    seedHandlers.set(id, off);
    return id;
  };

  const api: Api = {
    get version() {
      return manager.version;
    },
    protocol: PROTOCOL_VERSION,
    get transport() {
      return manager.transport;
    },
    get state() {
      return manager.state;
    },
    whenReady() {
      readyPromise ??= new Promise((resolve) => manager.onReady(() => resolve(api)));
      return readyPromise;
    },
    channel: (moduleId) => manager.channel(moduleId),
    configure: (patch: Partial<Config>) => manager.configure(patch),
    config: () => manager.config,
    status(): Status {
      const peers = manager.peers();
      return {
        version: manager.version,
        protocol: PROTOCOL_VERSION,
        transport: manager.transport,
        state: manager.state,
        userId: manager.userId,
        session: manager.session,
        connected: manager.state === "connected",
        channels: manager.channelList().map((c) => c.moduleId),
        pendingRequests: manager.pendingRequests,
        outbox: manager.outboxDepth,
        peers: peers.filter((p) => p.active).length,
        peersWithModule: peers.filter((p) => p.active && p.hasModule).length,
      };
    },
    metrics(): MetricsSnapshot {
      return { ...manager.metrics.snapshot(), outboxDepth: manager.outboxDepth, at: manager.clock.now() };
    },
    events(): EventInfo[] {
      const seen = new Set<string>();
      const out: EventInfo[] = [];
      for (const channel of manager.channelList()) {
        for (const event of channel.eventNames()) seen.add(`${channel.moduleId}/${event}`);
      }
      for (const key of Object.keys(manager.metrics.snapshot().events)) seen.add(key);
      for (const key of [...seen].sort()) {
        const slash = key.indexOf("/");
        const moduleId = key.slice(0, slash);
        const event = key.slice(slash + 1);
        const channel = manager.channelList().find((c) => c.moduleId === moduleId);
        const counts = manager.metrics.eventCounts(moduleId, event);
        out.push({
          moduleId,
          event,
          handlers: channel?.handlerCount(event) ?? 0,
          responder: channel?.responderFor(event) !== undefined,
          received: counts?.received ?? 0,
          sent: counts?.sent ?? 0,
          bytesIn: counts?.bytesIn ?? 0,
          bytesOut: counts?.bytesOut ?? 0,
        });
      }
      return out;
    },
    peers: () => manager.peers(),
    test: (opts = {}) => manager.probe(opts.timeout ?? TEST_TIMEOUT_MS),
    onStateChange: (fn) => manager.onStateChange(fn),
    shared: () => manager.sharedInfo(),
    errors,
    local: Object.freeze({
      simulate: (moduleId: string, event: string, data?: unknown, opts: { from?: string } = {}) =>
        manager.simulate(moduleId, event, data, opts.from),
      enable: () => manager.useTransport("local"),
      disable: () => manager.useTransport("detect"),
    }),
    socketlib: Object.freeze({
      registerModule(moduleId: string, options?: SocketlibCompatOptions) {
        let socket = compatSockets.get(moduleId);
        if (!socket) {
          socket = createSocketlibCompat(manager, moduleId, options);
          compatSockets.set(moduleId, socket);
        }
        return socket;
      },
      errors: socketlibErrors,
    }),
    registerEvent: (event, handler, options) => register(MODULE_ID, event, handler, options),
    unregisterEvent(handlerId: string): boolean {
      const off = seedHandlers.get(handlerId);
      if (!off) return false;
      off();
      seedHandlers.delete(handlerId);
      return true;
    },
    registerModuleHandler: (moduleId, event, handler) => register(moduleId, event, handler),
    emit: async (event, data, options = {}) =>
      manager.channel(options.moduleId ?? MODULE_ID).emit(event, data, seedOptions(options, event)),
    enableLocalTesting: () => manager.useTransport("local"),
    bridge: Object.freeze({
      handle: (kind: string, fn: BridgeHandler, opts?: BridgeHandlerOptions) =>
        bridge.handlers.add(kind, fn as BridgeHandler, opts),
      emit: (event: string, data?: unknown) => bridge.emit(event, data),
      connect: (opts?: Parameters<BridgeApi["connect"]>[0]) => bridge.connect(opts),
      disconnect: () => bridge.disconnect(),
      get state() {
        return bridge.state;
      },
      status: () => bridge.status(),
      onStateChange: (fn: (state: BridgeState) => void) => bridge.onStateChange(fn),
    }) as BridgeApi,
  };

  manager.onReady(() => manager.env.hooks.callAll(`${MODULE_ID}.ready`, api));
  return Object.freeze(api);
}
