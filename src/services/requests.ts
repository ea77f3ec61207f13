import {
  errorMessage,
  NoGMError,
  SocketManagerError,
  UserOfflineError,
  ValidationError,
} from "../contract/errors";
import type { MessageContext, RequestAllOptions, RequestOptions, RequestResult } from "../contract/types";
import type { Dispatcher, ResponderOutcome } from "../pipeline/dispatch";
import { type Envelope, messageId } from "../pipeline/envelope";
import { snapshot } from "../pipeline/snapshot";
import type { TransportKind } from "../transports/transport";
import { Answering } from "./answering";
import { ANSWER_LIFETIME, ANSWER_LIFETIME_MAX } from "./answers";
import type { Core } from "./core";
import { checkKeys, checkTimeout, REQUEST_KEYS } from "./options";
import { errorFromOutcome, type PendingCall, RequestTracker } from "./request-tracker";

export interface RequestsDeps {
  core: Core;
  dispatcher: Dispatcher;
  transport(): TransportKind | null;
  /** The context of a request this client answers itself. */
  localContext(env: Envelope, id: string, simulated: boolean): MessageContext | null;
}

/**
 * A request whose requester may wait longer than an answer is usually kept says how long (`w`), so that a repeat
 * sent after an outage still finds its answer instead of running the handler again.
 */
function waits(env: Envelope, timeout: number): Envelope {
  if (timeout > ANSWER_LIFETIME) env.w = Math.min(timeout, ANSWER_LIFETIME_MAX);
  return env;
}

/**
 * Requests both ways: asking (one user, the GM, or many; timeouts; another GM takes over when the answering
 * GM leaves) and answering (this client's own requests here; other clients' in answering.ts).
 */
export class Requests {
  readonly #tracker: RequestTracker;
  readonly #answering: Answering;
  readonly #deps: RequestsDeps;

  constructor(deps: RequestsDeps) {
    this.#deps = deps;
    this.#answering = new Answering(deps);
    this.#tracker = new RequestTracker(deps.core.clock, () => deps.core.counters.requestsFailed++);
  }

  get pending(): number {
    return this.#tracker.size;
  }

  /**
   * `unbounded` (the socketlib drop-in without a timeout): no timer; the request still fails as soon as its
   * answerer leaves and no other GM can take over.
   */
  async request<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestOptions,
    unbounded = false,
  ): Promise<R> {
    const { core } = this.#deps;
    checkKeys(opts, REQUEST_KEYS, "request", channel, event);
    const timeout = unbounded
      ? Number.POSITIVE_INFINITY
      : checkTimeout(opts.timeout, core.config().requestTimeout, channel, event);
    const to = opts.to ?? "gm";
    if (typeof to !== "string")
      throw new ValidationError(`request "to" must be "gm" or a user id`, { moduleId: channel, event });
    const details = { moduleId: channel, event, userId: to };
    let target: string;
    if (this.#deps.transport() === "local") {
      target = core.userId();
    } else if (to === "gm") {
      const gm = core.roster.pickGM();
      if (!gm) throw new NoGMError("no GM is connected to answer", { moduleId: channel, event });
      target = gm.id;
    } else {
      const user = core.roster.user(to);
      if (!user) throw new UserOfflineError(`no user with id "${to}" exists`, details);
      if (!user.active && user.id !== core.userId())
        throw new UserOfflineError(`user "${user.name}" is not connected`, details);
      target = to;
    }
    const results = await this.#call(channel, event, data, [target], timeout, to === "gm");
    // One target, one result (under the id of whichever GM finally answered).
    const result = results.values().next().value;
    if (!result)
      throw new SocketManagerError("request settled without a result", { moduleId: channel, event });
    if (!result.ok) throw result.error;
    return result.value as R;
  }

  async requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>> {
    const { core } = this.#deps;
    checkKeys(opts, REQUEST_KEYS, "requestAll", channel, event);
    const timeout = checkTimeout(opts.timeout, core.config().requestTimeout, channel, event);
    const targets =
      this.#deps.transport() === "local"
        ? [core.userId()]
        : core.roster.resolve(opts.to ?? "others", channel, event).recipients;
    return (await this.#call(channel, event, data, targets, timeout, false)) as Map<string, RequestResult<R>>;
  }

  /** A user left: their pending requests fail, or another GM takes over a request to "the GM". */
  userLeft(userId: string): void {
    const { core } = this.#deps;
    for (const call of this.#tracker.waitingFor(userId)) {
      const details = { moduleId: call.channel, event: call.event, userId };
      if (!call.toGM) {
        const error = new UserOfflineError(`user ${userId} disconnected before answering`, details);
        this.#tracker.record(call, userId, { ok: false, error });
        continue;
      }
      const next = core.roster.pickGM(userId);
      if (!next) {
        const error = new NoGMError("the answering GM left and no other GM is connected", details);
        this.#tracker.record(call, userId, { ok: false, error });
        continue;
      }
      // Another GM takes over under a new id, so a late answer from the old GM is ignored.
      core.log.debug(`GM ${userId} left; ${next.id} takes over ${call.channel} "${call.event}"`);
      const env = waits(
        core.out.envelope("req", call.channel, call.event, call.data, [next.id]),
        call.timeout,
      );
      this.#tracker.reassign(call, userId, next.id, messageId(core.session, env.q));
      if (next.id === core.userId()) this.#answerLocally(call);
      else this.#send(call, env);
    }
  }

  /** A request from another client: see Answering. */
  answer(env: Envelope, ctx: MessageContext, session: string): void {
    this.#answering.answer(env, ctx, session);
  }

  /** After the link came back: sends every unanswered request again (under its id) to who has not answered. */
  resendPending(): void {
    const { core } = this.#deps;
    const me = core.userId();
    for (const call of this.#tracker.all()) {
      const to = [...call.waiting].filter((id) => id !== me && core.roster.user(id)?.active);
      if (to.length === 0) continue;
      const env = waits(core.out.envelope("req", call.channel, call.event, call.data, to), call.timeout);
      env.r = call.id;
      this.#send(call, env);
    }
  }

  /** A reply (value or error) from another client. */
  reply(env: Envelope, senderId: string): void {
    const { core } = this.#deps;
    const call = env.r === undefined ? undefined : this.#tracker.get(env.r);
    if (!call?.waiting.has(senderId)) return core.counters.drop("stale-reply");
    if (env.k === "res") return this.#tracker.record(call, senderId, { ok: true, value: env.d });
    const who = core.roster.user(senderId)?.name ?? senderId;
    this.#tracker.record(call, senderId, {
      ok: false,
      error: errorFromOutcome(env.d, call, senderId, who),
    });
  }

  /** Fails every pending request (shutdown). */
  failEverything(error: (call: PendingCall, userId: string) => Error): void {
    this.#tracker.failEverything(error);
  }

  /** Sends one request to `targets` and settles when each answered, failed, left or timed out. */
  #call(
    channel: string,
    event: string,
    data: unknown,
    targets: string[],
    timeout: number,
    toGM: boolean,
  ): Promise<Map<string, RequestResult<unknown>>> {
    const { core } = this.#deps;
    const me = core.userId();
    const local = this.#deps.transport() === "local";
    const network = local ? [] : targets.filter((id) => id !== me);
    const env = waits(core.out.envelope("req", channel, event, data, network), timeout);
    // The send path's walk checks and copies the payload (env.d becomes the copy), throwing a ValidationError or
    // PayloadTooLargeError before anything is open; a request only this client answers goes through the same walk.
    // The request may leave at once (a lone high-priority envelope does), yet no answer can arrive before the call
    // below is open: every transport delivers in a later task.
    if (network.length > 0) core.out.send(env, { priority: "high" });
    else env.d = snapshot(data, channel, event).value;
    const id = messageId(core.session, env.q);
    const { call, settled } = this.#tracker.open({ id, channel, event, data: env.d, toGM, targets, timeout });
    core.counters.requestsSent++;
    core.metrics.sent(channel, event, 0);
    if (local || targets.includes(me)) this.#answerLocally(call);
    return settled;
  }

  #send(call: PendingCall, env: Envelope): void {
    try {
      this.#deps.core.out.send(env, { priority: "high" });
    } catch (e) {
      this.#tracker.failAll(call, () => (e instanceof Error ? e : new SocketManagerError(errorMessage(e))));
    }
  }

  #answerLocally(call: PendingCall): void {
    const { core } = this.#deps;
    const me = core.userId();
    const env = core.out.envelope("req", call.channel, call.event, call.data, [me]);
    const ctx = this.#deps.localContext(env, call.id, this.#deps.transport() === "local");
    if (!ctx) {
      this.#tracker.record(call, me, { ok: false, error: new UserOfflineError("this user is unknown") });
      return;
    }
    // A copy of its own for this client's responder, as JSON carries it (as other clients get it).
    const data = snapshot(call.data, call.channel, call.event).value;
    core.defer(() => {
      void Promise.resolve(this.#deps.dispatcher.request(data, ctx)).then((outcome) => {
        this.#tracker.record(call, me, this.#toResult(outcome, call, me));
      });
    });
  }

  #toResult(outcome: ResponderOutcome, call: PendingCall, userId: string): RequestResult<unknown> {
    if (outcome.ok) return { ok: true, value: outcome.value };
    const who = this.#deps.core.roster.user(userId)?.name ?? userId;
    return { ok: false, error: errorFromOutcome(outcome, call, userId, who) };
  }
}
