import type { MessageContext } from "../contract/types";
import { OTHER_EVENTS } from "../metrics/metrics";
import type { Dispatcher } from "../pipeline/dispatch";
import { FLAG_RELIABLE, type Kind } from "../pipeline/envelope";
import { RateLimiter } from "../pipeline/rate-limit";
import type { Accepted } from "../pipeline/receive";
import type { Heartbeat } from "../reliability/heartbeat";
import type { Core } from "./core";
import type { Peers } from "./peers";
import type { ReliableDelivery } from "./reliable-delivery";
import type { Requests } from "./requests";

/** Control envelopes one sender may send: 20 per second, in bursts of up to 100. */
export const CONTROL_LIMIT = { rate: 20, burst: 100 } as const;
const CONTROL_KINDS: ReadonlySet<Kind> = new Set(["hello", "ping", "pong", "ack"]);

/** What to do with one accepted envelope of a kind. */
export type Route = (message: Accepted, ctx: MessageContext) => void;

/**
 * The last routing step of the receive path: each envelope kind to its service. An envelope of a kind with
 * no route is dropped and counted.
 */
export function createRouter(
  core: Core,
  context: (message: Accepted) => MessageContext,
  routes: Readonly<Record<Kind, Route | undefined>>,
): (message: Accepted) => void {
  // Protocol traffic has its own per-sender budget, so a flood of it cannot make this client work (or send)
  // without bound; a sender over budget is ignored until its bucket refills.
  const control = new RateLimiter(() => CONTROL_LIMIT, core.clock);
  return (message) => {
    const { env, sender } = message;
    if (
      CONTROL_KINDS.has(env.k) &&
      !message.frame.simulated &&
      !control.allow(sender.id, message.receivedAt)
    ) {
      return core.counters.drop("control-limited");
    }
    core.counters.messagesReceived++;
    if (core.config().logAllMessages)
      core.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    const route = Object.hasOwn(routes, env.k) ? routes[env.k] : undefined;
    if (!route) return core.counters.drop("envelope-shape");
    route(message, context(message));
  };
}

/** The services each kind of envelope goes to. */
export interface RouteTargets {
  core: Core;
  dispatcher: Dispatcher;
  heartbeat: Heartbeat;
  reliable: ReliableDelivery;
  requests: Requests;
  peers: Peers;
  /** True for a channel this client uses (it has handlers or sent on it): only those get their own counters. */
  knownChannel(moduleId: string): boolean;
}

/** Socket Manager's route table: messages, requests and replies, presence, heartbeat, acks. */
export function receiveRoutes(t: RouteTargets): Record<Kind, Route | undefined> {
  const { metrics, counters } = t.core;
  // A peer can name any channel and event: unknown ones are counted under one bucket, never one each.
  const count = (m: Accepted, ctx: MessageContext) =>
    t.knownChannel(ctx.moduleId)
      ? metrics.received(ctx.moduleId, ctx.event, m.bytes, m.receivedAt)
      : metrics.received(OTHER_EVENTS, OTHER_EVENTS, m.bytes, m.receivedAt);
  return {
    msg: (m, ctx) => {
      count(m, ctx);
      if (m.frame.simulated) return void t.dispatcher.message(m.env.d, ctx);
      metrics.recordLatency(ctx.senderId, ctx.sender.name, ctx.latencyMs);
      if ((m.env.f ?? 0) & FLAG_RELIABLE) t.reliable.receive(m.env, m.session, ctx, m.bytes);
      else void t.dispatcher.message(m.env.d, ctx);
    },
    req: (m, ctx) => {
      count(m, ctx);
      void t.requests.answer(m.env, ctx);
    },
    res: (m) => t.requests.reply(m.env, m.sender.id),
    err: (m) => t.requests.reply(m.env, m.sender.id),
    hello: (m) => t.peers.onHello(m.env.d, m.sender),
    ping: (m, ctx) => {
      if (!t.heartbeat.answer(m.env.d, ctx.receivedAt, ctx.senderId, ctx.messageId))
        counters.drop("envelope-shape");
    },
    pong: (m) => {
      if (t.heartbeat.pong(m.env.d, m.sender)) t.peers.roundTrip(m.sender.id);
      else counters.drop("envelope-shape");
    },
    ack: (m) => t.reliable.ack(m.sender.id, m.env.d),
    // Chunks are reassembled by the receive path; a chunk that reaches routing is malformed.
    chunk: undefined,
  };
}
