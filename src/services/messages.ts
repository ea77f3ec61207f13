import { ValidationError } from "../contract/errors";
import { MODULE_ID } from "../contract/ids";
import type { EmitOptions, EmitReport, MessageContext, Priority } from "../contract/types";
import type { Dispatcher } from "../pipeline/dispatch";
import { type Envelope, messageId } from "../pipeline/envelope";
import type { SendOptions } from "../pipeline/outgoing";
import { snapshot } from "../pipeline/snapshot";
import { assertEventName, assertModuleId } from "../pipeline/validate";
import type { TransportKind } from "../transports/transport";
import type { Core } from "./core";
import type { LazyReliable } from "./lazy-reliable";
import { checkKeys, checkTimeout, EMIT_KEYS } from "./options";

export interface MessagesDeps {
  core: Core;
  dispatcher: Dispatcher;
  reliable: LazyReliable;
  transport(): TransportKind | null;
  /** The context of a message built here: from this user (or `from`), on this client. */
  localContext(env: Envelope, id: string, simulated: boolean, from?: string): MessageContext | null;
}

/** How a message neither coalesced nor volatile is sent, by priority: made once, not per emit. */
const PLAIN: Readonly<Record<Priority, SendOptions>> = {
  low: { priority: "low" },
  normal: { priority: "normal" },
  high: { priority: "high" },
};

/** Emitting messages: option checks, targets, the send path, delivery to this client, and `simulate()`. */
export class Messages {
  readonly #deps: MessagesDeps;

  constructor(deps: MessagesDeps) {
    this.#deps = deps;
  }

  /**
   * Not an async function, though it acts as one (a mistake rejects, never throws): V8 gives every call of an
   * async function a frame object on the heap, which for an emit costs more than the rest of its allocations.
   */
  emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    try {
      return this.#emit(channel, event, data, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    const { core } = this.#deps;
    assertEventName(event, channel, channel === MODULE_ID);
    checkKeys(opts, EMIT_KEYS, "emit", channel, event);
    // A coalesced stream waits for the batch window by default: replacing an unsent message only happens if
    // messages wait, and each tick of a 60 Hz stream runs in its own task.
    const priority = opts.priority ?? (opts.coalesce === undefined ? "normal" : "low");
    if (priority !== "low" && priority !== "normal" && priority !== "high") {
      throw new ValidationError(`priority must be "low", "normal" or "high"`, { moduleId: channel, event });
    }
    if (opts.coalesce !== undefined && typeof opts.coalesce !== "string") {
      throw new ValidationError("coalesce must be a string key", { moduleId: channel, event });
    }
    if (opts.reliable && (opts.coalesce !== undefined || opts.volatile)) {
      throw new ValidationError("a reliable message cannot also be volatile or coalesced", {
        moduleId: channel,
        event,
      });
    }
    const target = core.roster.resolve(opts.to ?? "others", channel, event);
    const env = core.out.envelope("msg", channel, event, data, target.wire);
    const id = messageId(core.session, env.q);
    if (opts.reliable) {
      const timeout = checkTimeout(opts.timeout, core.config().requestTimeout, channel, event);
      return this.#deps.reliable.emit(env, id, target, timeout);
    }
    // In local mode a message that includes this client is delivered once, not also looped back.
    const networked =
      (target.wire === undefined || target.wire.length > 0) &&
      !(this.#deps.transport() === "local" && target.self);
    let queued = false;
    let bytes = 0;
    if (networked) {
      const send =
        opts.coalesce === undefined && !opts.volatile
          ? PLAIN[priority]
          : {
              priority,
              coalesce: opts.coalesce === undefined ? undefined : `${channel}\u0000${opts.coalesce}`,
              volatile: opts.volatile,
            };
      ({ queued, bytes } = core.out.send(env, send));
    } else {
      // Nothing travels: the same walk checks it, and its copy is this client's own (no second copy below).
      env.d = snapshot(data, channel, event).value;
    }
    if (target.self) this.deliverToSelf(env, id, networked ? undefined : env.d);
    core.counters.messagesSent++;
    core.metrics.sent(channel, event, bytes, env.a);
    return Promise.resolve({ messageId: id, recipients: target.recipients, queued });
  }

  /**
   * `env` for this client's own handlers, at the end of the task, as a copy of its own (a handler may change it,
   * and `env.d` is what travels): the payload as JSON carries it, as other clients get it. `own`: such a copy
   * already made, which nothing else holds.
   */
  deliverToSelf(env: Envelope, id: string, own?: unknown): void {
    const ctx = this.#deps.localContext(env, id, false);
    if (!ctx) return;
    const data = own !== undefined ? own : snapshot(env.d, env.c, env.e).value;
    this.#deps.core.defer(() => void this.#deps.dispatcher.message(data, ctx));
  }

  /** Injects a message as if it came from `from` (default: this user), through permission and schema checks. */
  async simulate(channel: string, event: string, data: unknown, from?: string): Promise<void> {
    const { core } = this.#deps;
    assertModuleId(channel);
    assertEventName(event, channel, true);
    const sender = core.roster.user(from ?? core.userId());
    if (!sender)
      throw new ValidationError(`simulate(): no user with id "${from}"`, { moduleId: channel, event });
    const copy = snapshot(data, channel, event).value;
    const env = core.out.envelope("msg", channel, event, copy, undefined);
    const ctx = this.#deps.localContext(env, messageId(core.session, env.q), true, sender.id);
    if (ctx) await this.#deps.dispatcher.message(env.d, ctx);
  }
}
