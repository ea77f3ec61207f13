/**
 * Builds the services a manager is made of and wires them together (docs/ARCHITECTURE.md): each gets what it
 * needs of the others as small functions, so the order of construction does not matter.
 */
import type { Channels } from "./channel";
import type { Clock } from "./clock";
import type { Config } from "./config";
import { MODULE_ID } from "./contract/ids";
import type { FoundryEnv } from "./foundry/types";
import type { Logger } from "./log";
import type { Metrics } from "./metrics/metrics";
import { Dispatcher } from "./pipeline/dispatch";
import type { Envelope } from "./pipeline/envelope";
import { ReceivePath } from "./pipeline/receive";
import type { Heartbeat } from "./reliability/heartbeat";
import { Contexts } from "./services/context";
import { type Core, createCore, heartbeatOver } from "./services/core";
import { LazyReliable } from "./services/lazy-reliable";
import { LazyRequests } from "./services/lazy-requests";
import { Link } from "./services/link";
import { Messages } from "./services/messages";
import { Peers } from "./services/peers";
import { createRouter, receiveRoutes } from "./services/router";
import { LazySharedStates } from "./shared/lazy";

export interface WiringInput {
  env: FoundryEnv;
  clock: Clock;
  session: string;
  version: string;
  defer: (fn: () => void) => void;
  random: () => number;
  log: Logger;
  metrics: Metrics;
  config: () => Readonly<Config>;
  channels: Channels;
  userId: () => string;
}

export interface Services {
  core: Core;
  link: Link;
  peers: Peers;
  heartbeat: Heartbeat;
  receive: ReceivePath;
  requests: LazyRequests;
  reliable: LazyReliable;
  messages: Messages;
  shared: LazySharedStates;
  /** The end of the receive path; `clear()` drops what it holds while a part loads. */
  router: { clear(): void };
}

export function wireServices(input: WiringInput): Services {
  const { clock, config, channels, userId } = input;
  // Filled in below; the closures that read them run only after construction.
  const s = {} as Services;
  const { env, session, version, defer, random, log, metrics } = input;
  const core = createCore({
    env,
    clock,
    session,
    version,
    defer,
    random,
    log,
    metrics,
    config,
    link: () => s.link,
  });
  const { counters, roster } = core;
  const dispatcher = new Dispatcher((id) => channels.find(id), counters, log);
  const transport = () => s.link.transport;
  const contexts = new Contexts({
    user: (id) => roster.user(id),
    now: () => clock.now(),
    latency: (sentAt, senderId, at) => s.receive.checks.latency(sentAt, senderId, at),
    transport,
  });
  const localContext = (env: Envelope, id: string, simulated: boolean, from = userId()) =>
    contexts.local(env, id, simulated, from);
  s.core = core;
  s.link = new Link({
    core,
    receive: (frame) => s.receive.receive(frame),
    connected: (reconnected) => {
      s.peers.sayHello(undefined, true);
      if (reconnected) s.requests.resendPending();
    },
    knownPeers: () => s.peers.known(),
  });
  s.heartbeat = heartbeatOver(core, s.link, () => s.receive.checks.offsets);
  s.requests = new LazyRequests({ core, dispatcher, transport, localContext });
  s.reliable = new LazyReliable({
    core,
    dispatcher,
    transport,
    canSend: () => s.link.canSend,
    session: (user) => s.peers.session(user),
    deliverToSelf: (env, id) => s.messages.deliverToSelf(env, id),
  });
  s.messages = new Messages({ core, dispatcher, reliable: s.reliable, transport, localContext });
  s.peers = new Peers({
    core,
    link: s.link,
    heartbeat: s.heartbeat,
    left: (user) => s.requests.userLeft(user),
    restarted: (user, session) => s.reliable.peerRestarted(user, session),
  });
  const router = createRouter(
    core,
    (m) => contexts.remote(m),
    receiveRoutes({
      core,
      dispatcher,
      heartbeat: s.heartbeat,
      reliable: s.reliable,
      requests: s.requests,
      peers: s.peers,
      knownEvent: (id, event) => {
        const channel = channels.find(id);
        if (!channel) return false;
        if (channel.handlerCount(event) > 0 || channel.responderFor(event) !== undefined) return true;
        return core.metrics.eventCounts(id, event) !== undefined;
      },
    }),
  );
  s.shared = new LazySharedStates({
    core,
    channel: () => channels.get(MODULE_ID),
    emit: (event, data, opts) => s.messages.emit(MODULE_ID, event, data, opts),
    request: (event, data, opts) => s.requests.request(MODULE_ID, event, data, opts),
    requestAll: (event, data, opts) => s.requests.requestAll(MODULE_ID, event, data, opts),
    transport,
    onStateChange: (fn) => s.link.onStateChange(fn),
  });
  s.router = router;
  s.receive = new ReceivePath({
    clock,
    config,
    counters,
    log,
    userId,
    user: (id) => roster.user(id),
    accept: router.accept,
    manyArrived: () => core.out.groupRestOfTask(),
  });
  return s;
}
