import type { MessageContext } from "../contract/types";
import { OTHER_EVENTS } from "../metrics/metrics";
import type { Dispatcher } from "../pipeline/dispatch";
import { FLAG_RELIABLE, type Kind } from "../pipeline/envelope";
import { RateLimiter } from "../pipeline/rate-limit";
import type { Accepted } from "../pipeline/receive";
import type { Heartbeat } from "../reliability/heartbeat";
import type { Core } from "./core";
import { ReceiveHold } from "./hold";
import type { LazyReliable } from "./lazy-reliable";
import type { LazyRequests } from "./lazy-requests";
import type { Peers } from "./peers";

/** Control envelopes one sender may send: 20 per second, in bursts of up to 100. */
export const CONTROL_LIMIT = { rateLimit: 20, rateBurst: 100 } as const;
const CONTROL_KINDS: ReadonlySet<Kind> = new Set(["hello", "ping", "pong", "ack"]);

/**
 * What to do with one accepted envelope of a kind. `context` builds the handler context of it: only the routes
 * that hand the envelope to a handler build one (a reply, a pong or an ack needs none).
 */
export type Route = (message: Accepted, context: (message: Accepted) => MessageContext) => void;

/** The route table, and what an envelope must wait for before its route runs (a part still loading). */
export interface Routes {
  routes: Readonly<Record<Kind, Route | undefined>>;
  waitFor(message: Accepted): Promise<unknown> | null;
}

/**
 * The last routing step of the receive path: each envelope kind to its service, in arrival order (an envelope
 * whose service is still loading holds the ones after it). An envelope of a kind with no route is dropped and
 * counted.
 */
export function createRouter(
  core: Core,
  context: (message: Accepted) => MessageContext,
  { routes, waitFor }: Routes,
): { accept(message: Accepted): void; clear(): void } {
  // Protocol traffic has its own per-sender budget, so a flood of it cannot make this client work (or send)
  // without bound; a sender over budget is ignored until its bucket refills.
  const control = new RateLimiter(() => CONTROL_LIMIT, core.clock);
  const hold = new ReceiveHold<Accepted>({
    counters: core.counters,
    waitFor,
    run: (message) => {
      const route = Object.hasOwn(routes, message.env.k) ? routes[message.env.k] : undefined;
      if (!route) return core.counters.drop("envelope-shape");
      route(message, context);
    },
    report: (e) => core.log.error("a part of Socket Manager could not load or run", e),
  });
  const accept = (message: Accepted) => {
    const { env, from } = message;
    const { sender } = from;
    if (CONTROL_KINDS.has(env.k) && !from.simulated && !control.allow(sender.id, from.receivedAt)) {
      return core.counters.drop("control-limited");
    }
    core.counters.messagesReceived++;
    if (core.config().logAllMessages)
      core.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    hold.accept(message, sender.id, message.bytes);
  };
  return { accept, clear: () => hold.clear() };
}

/** The services each kind of envelope goes to. */
export interface RouteTargets {
  core: Core;
  dispatcher: Dispatcher;
  heartbeat: Heartbeat;
  reliable: LazyReliable;
  requests: LazyRequests;
  peers: Peers;
  /**
   * True for an event this client uses (a handler or responder here, or counted before: sent from here): only
   * those get counters of their own.
   */
  knownEvent(moduleId: string, event: string): boolean;
}

/** Socket Manager's route table: messages, requests and replies, presence, heartbeat, acks. */
export function receiveRoutes(t: RouteTargets): Routes {
  const { metrics, counters } = t.core;
  // A peer can name any channel and event: unknown ones are counted under one bucket, never one each (so one
  // player cannot use up the counters and push this client's own events into that bucket).
  const count = (m: Accepted, ctx: MessageContext) =>
    t.knownEvent(ctx.moduleId, ctx.event)
      ? metrics.received(ctx.moduleId, ctx.event, m.bytes, m.from.receivedAt)
      : metrics.received(OTHER_EVENTS, OTHER_EVENTS, m.bytes, m.from.receivedAt);
  const routes: Record<Kind, Route | undefined> = {
    msg: (m, context) => {
      const ctx = context(m);
      count(m, ctx);
      if (m.from.simulated) return void t.dispatcher.message(m.env.d, ctx);
      metrics.recordLatency(ctx.senderId, ctx.sender.name, ctx.latencyMs);
      if ((m.env.f ?? 0) & FLAG_RELIABLE) t.reliable.receive(m.env, m.from.session, ctx, m.bytes);
      else void t.dispatcher.message(m.env.d, ctx);
    },
    req: (m, context) => {
      // Honest requests always name who answers: one without targets would have every client reply to everyone.
      if (m.env.t === undefined) return counters.drop("envelope-shape");
      const ctx = context(m);
      count(m, ctx);
      t.requests.answer(m.env, ctx, m.from.session);
    },
    res: (m) => t.requests.reply(m.env, m.from.sender.id),
    err: (m) => t.requests.reply(m.env, m.from.sender.id),
    hello: (m) => t.peers.onHello(m.env.d, m.from.sender),
    ping: (m, context) => {
      const ctx = context(m);
      if (!t.heartbeat.answer(m.env.d, ctx.receivedAt, ctx.senderId, ctx.messageId))
        counters.drop("envelope-shape");
    },
    pong: (m) => {
      const verdict = t.heartbeat.pong(m.env.d, m.from.sender);
      if (verdict === "measured") t.peers.roundTrip(m.from.sender.id);
      else counters.drop(verdict === "stale" ? "stale-reply" : "envelope-shape");
    },
    ack: (m) => t.reliable.ack(m.from.sender.id, m.env.d),
    // Chunks are reassembled by the receive path; a chunk that reaches routing is malformed.
    chunk: undefined,
  };
  const reliable = (m: Accepted) =>
    m.env.k === "msg" && !m.from.simulated && ((m.env.f ?? 0) & FLAG_RELIABLE) !== 0;
  return {
    routes,
    waitFor: (m) =>
      m.env.k === "req" ? t.requests.whenReady() : reliable(m) ? t.reliable.whenReady() : null,
  };
}
