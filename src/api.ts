import type { Config } from "./config";
import { errors } from "./errors";
import { MODULE_ID, type SocketManager } from "./manager";
import { PROTOCOL_VERSION } from "./pipeline/envelope";
import { createSocketlibCompat } from "./socketlib-compat";
import type {
  Api,
  EventInfo,
  Handler,
  HandlerOptions,
  MetricsSnapshot,
  PeerInfo,
  PeerTestResult,
  Status,
} from "./types";

export type * from "./types";

/** Builds the one frozen public API object over a manager. */
export function createApi(manager: SocketManager): Api {
  const seedHandlers = new Map<string, () => void>();
  let nextHandlerId = 1;
  const compatSockets = new Map<string, ReturnType<typeof createSocketlibCompat>>();
  let readyPromise: Promise<Api> | null = null;

  const register = (moduleId: string, event: string, handler: Handler, options?: HandlerOptions): string => {
    const off = manager.channel(moduleId).on(event, handler, options);
    const id = `${moduleId}:${nextHandlerId++}`;
    seedHandlers.set(id, off);
    return id;
  };

  const peers = (): PeerInfo[] =>
    [...manager.env.users]
      .filter((u) => u.id !== manager.userId)
      .map((u) => ({
        userId: u.id,
        name: u.name,
        role: u.role,
        isGM: u.isGM,
        active: u.active,
        hasModule: false,
      }));

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
      return {
        version: manager.version,
        protocol: PROTOCOL_VERSION,
        transport: manager.transport,
        state: manager.state,
        userId: manager.userId,
        session: manager.session,
        connected: manager.state === "connected" || manager.state === "local-fallback",
        channels: manager.channelList().map((c) => c.moduleId),
        pendingRequests: manager.pendingRequests,
        outbox: manager.outboxDepth,
        peers: peers().filter((p) => p.active).length,
      };
    },
    metrics(): MetricsSnapshot {
      return { ...manager.counters.snapshot(), at: manager.clock.now() };
    },
    events(): EventInfo[] {
      return manager.channelList().flatMap((channel) =>
        channel.eventNames().map((event) => ({
          moduleId: channel.moduleId,
          event,
          handlers: channel.handlerCount(event),
          responder: channel.responderFor(event) !== undefined,
          received: channel.received.get(event) ?? 0,
          sent: channel.sent.get(event) ?? 0,
        })),
      );
    },
    peers,
    async test(opts = {}): Promise<PeerTestResult[]> {
      const started = manager.clock.now();
      const answers = await manager.requestAll<number>(MODULE_ID, "$ping", started, {
        to: "others",
        ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      });
      const now = manager.clock.now();
      return [...answers].map(([userId, result]) => ({
        userId,
        name: manager.env.users.get(userId)?.name ?? userId,
        ok: result.ok,
        ...(result.ok ? { rttMs: now - started } : { error: result.error.message }),
      }));
    },
    onStateChange: (fn) => manager.onStateChange(fn),
    errors,
    local: Object.freeze({
      simulate: (moduleId: string, event: string, data?: unknown, opts: { from?: string } = {}) =>
        manager.simulate(moduleId, event, data, opts.from),
      enable: () => manager.useTransport("local"),
    }),
    socketlib: Object.freeze({
      registerModule(moduleId: string) {
        let socket = compatSockets.get(moduleId);
        if (!socket) {
          socket = createSocketlibCompat(manager, moduleId);
          compatSockets.set(moduleId, socket);
        }
        return socket;
      },
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
    emit: (event, data, options = {}) => manager.channel(MODULE_ID).emit(event, data, options),
  };

  // Answers api.test() round trips from peers.
  manager.channel(MODULE_ID).handle("$ping", () => manager.clock.now());
  manager.onReady(() => manager.env.hooks.callAll(`${MODULE_ID}.ready`, api));
  return Object.freeze(api);
}
