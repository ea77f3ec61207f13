import type { Clock } from "../clock";
import type { Config } from "../config";
import { errorMessage } from "../contract/errors";
import { MODULE_ID } from "../contract/ids";
import type { FoundryEnv } from "../foundry/types";
import type { Logger } from "../log";
import type { Counters } from "../metrics/counters";
import type { Metrics } from "../metrics/metrics";
import type { Envelope } from "../pipeline/envelope";
import { Outgoing } from "../pipeline/outgoing";
import { Heartbeat } from "../reliability/heartbeat";
import type { Transport } from "../transports/transport";
import { Roster } from "./roster";

/** What every service shares: the world, time, configuration, logging, metrics, who is here, the send path. */
export interface Core {
  readonly env: FoundryEnv;
  readonly clock: Clock;
  readonly session: string;
  readonly version: string;
  /** Runs a function at the end of the current task. */
  readonly defer: (fn: () => void) => void;
  readonly random: () => number;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly counters: Counters;
  readonly roster: Roster;
  readonly out: Outgoing;
  config(): Readonly<Config>;
  userId(): string;
}

export type ControlKind = "hello" | "ping" | "pong" | "ack";

/** Sends a control envelope (hello, ping, pong, ack): high priority, volatile, and past the replay hold. */
export function sendControl(
  out: Outgoing,
  kind: ControlKind,
  data: unknown,
  to: string[] | undefined,
  replyTo?: string,
): void {
  const env: Envelope = out.envelope(kind, MODULE_ID, `$${kind}`, data, to);
  if (replyTo !== undefined) env.r = replyTo;
  out.send(env, { priority: "high", volatile: true, control: true });
}

/** A session id: ten base-36 characters, new on every page load. */
export function randomSession(random: () => number): string {
  let s = "";
  for (let i = 0; i < 10; i++) s += Math.floor(random() * 36).toString(36);
  return s;
}

/** A logger whose warnings and errors also land in the metrics' recent errors (the status window shows them). */
export function remembering(log: Logger, metrics: Metrics): Logger {
  const text = (args: unknown[]) => args.map(errorMessage).join(" ");
  return {
    debug: log.debug,
    info: log.info,
    warn: (...args) => {
      metrics.noteError(text(args));
      log.warn(...args);
    },
    error: (...args) => {
      metrics.noteError(text(args));
      log.error(...args);
    },
  };
}

export interface CoreParts extends Omit<Core, "counters" | "roster" | "out" | "userId"> {
  /** Where frames leave (when the link can send) and whether the outbox replay is held. */
  link: () => { readonly sendable: Transport | null; readonly replayHeld: boolean };
}

/** Builds the shared Core: the roster over Foundry's users and the send path over the link. */
export function createCore(parts: CoreParts): Core {
  const { link, ...rest } = parts;
  const { env, clock, defer, config, session, metrics, log } = parts;
  const counters = metrics.counters;
  const out = new Outgoing({
    session,
    clock,
    defer,
    config,
    counters,
    transport: () => link().sendable,
    holding: () => link().replayHeld,
    onError: (e) => log.error("the transport failed to send a frame:", e),
  });
  const roster = new Roster(
    () => env.users,
    () => env.userId,
    defer,
  );
  return { ...rest, counters, roster, out, userId: () => env.userId };
}

/**
 * The heartbeat over the core and the link: pings while peers are reachable and the manager started, and each
 * round trip feeds the clock offsets the receive path corrects ages with.
 */
export function heartbeatOver(
  core: Core,
  link: { readonly started: boolean; readonly peersReachable: boolean; readonly state: string },
  offsets: () => Map<string, number>,
): Heartbeat {
  return new Heartbeat({
    clock: core.clock,
    defer: core.defer,
    interval: () => (link.started ? core.config().heartbeatInterval : 0),
    reachable: () => link.peersReachable,
    state: () => link.state,
    send: (kind, data, to, replyTo) => sendControl(core.out, kind, data, to, replyTo),
    onSample: (user, rtt, offset) => {
      offsets().set(user.id, offset);
      core.metrics.recordRtt(user.id, user.name, rtt);
    },
  });
}
