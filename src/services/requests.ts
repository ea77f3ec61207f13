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
import { assertJsonSafe } from "../pipeline/validate";
import type { TransportKind } from "../transports/transport";
import { Answers, answered, parseRequestId } from "./answers";
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
 * Requests both ways: asking (one user, the GM, or many; timeouts; another GM takes over when the answering
 * GM leaves) and answering (this client's responder, the reply on the wire).
 */
export class Requests {
  readonly #tracker: RequestTracker;
  readonly #answers = new Answers();
  readonly #deps: RequestsDeps;

  constructor(deps: RequestsDeps) {
    this.#deps = deps;
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
      const env = core.out.envelope("req", call.channel, call.event, call.data, [next.id]);
      this.#tracker.reassign(call, userId, next.id, messageId(core.session, env.q));
      if (next.id === core.userId()) this.#answerLocally(call);
      else this.#send(call, env);
    }
  }

  /**
   * Answers a request that arrived from another client (in a frame of `session`), once: a request sent again
   * after an outage names the original id (`r`), and gets the first answer again without running the handler
   * twice. An `r` that is no request id is refused as a malformed envelope.
   */
  answer(env: Envelope, ctx: MessageContext, session: string): void {
    const { core } = this.#deps;
    const requestId = env.r ?? ctx.messageId;
    const first = env.r === undefined ? { session, q: env.q } : parseRequestId(env.r);
    if (!first) return core.counters.drop("envelope-shape");
    const known = this.#answers.get(ctx.senderId, first.session, first.q);
    if (known?.kind === null) return core.counters.drop("duplicate");
    if (known) return this.#reply(env, ctx.senderId, requestId, known.kind, known.payload);
    // The answer's value is checked by the send path's walk, which copies it anyway (see #answered).
    const outcome = this.#deps.dispatcher.request(env.d, ctx, false);
    if (outcome instanceof Promise) {
      // Recorded as running before this task ends, so a repeat arriving while the responder works is ignored.
      const answer = this.#answers.running(ctx.senderId, first.session, first.q);
      void outcome.then((o) => {
        const sent = this.#answered(env, ctx, requestId, o);
        answered(answer, sent.kind, sent.payload);
      });
      return;
    }
    // A synchronous responder: the answer leaves first, then is recorded (nothing else can arrive meanwhile).
    const sent = this.#answered(env, ctx, requestId, outcome);
    answered(this.#answers.running(ctx.senderId, first.session, first.q), sent.kind, sent.payload);
  }

  /**
   * Sends the answer of `outcome`; returns what was answered, for the record of answers. A value JSON cannot
   * carry fails the responder, as a throw would have.
   */
  #answered(
    env: Envelope,
    ctx: MessageContext,
    requestId: string,
    outcome: ResponderOutcome,
  ): { kind: "res" | "err"; payload: unknown } {
    this.#deps.core.counters.requestsAnswered++;
    let failure: Extract<ResponderOutcome, { ok: false }>;
    if (outcome.ok) {
      try {
        this.#sendReply(env, ctx.senderId, requestId, "res", outcome.value);
        return { kind: "res", payload: outcome.value };
      } catch (e) {
        if (!(e instanceof ValidationError)) {
          this.#replyFailed(env, ctx.senderId, requestId, e);
          return { kind: "res", payload: outcome.value };
        }
        failure = this.#deps.dispatcher.responderFailed(ctx, e);
      }
    } else {
      failure = outcome;
    }
    const payload = { code: failure.code, message: failure.message, issues: failure.issues };
    this.#reply(env, ctx.senderId, requestId, "err", payload);
    return { kind: "err", payload };
  }

  /** After the link came back: sends every unanswered request again (under its id) to who has not answered. */
  resendPending(): void {
    const { core } = this.#deps;
    const me = core.userId();
    for (const call of this.#tracker.all()) {
      const to = [...call.waiting].filter((id) => id !== me && core.roster.user(id)?.active);
      if (to.length === 0) continue;
      const env = core.out.envelope("req", call.channel, call.event, call.data, to);
      env.r = call.id;
      this.#send(call, env);
    }
  }

  #reply(env: Envelope, to: string, requestId: string, kind: "res" | "err", payload: unknown): void {
    try {
      this.#sendReply(env, to, requestId, kind, payload);
    } catch (e) {
      this.#replyFailed(env, to, requestId, e);
    }
  }

  /** Throws, queueing nothing, when the answer cannot travel (not JSON-safe, or too large). */
  #sendReply(env: Envelope, to: string, requestId: string, kind: "res" | "err", payload: unknown): void {
    const { core } = this.#deps;
    const reply = core.out.envelope(kind, env.c, env.e, payload, [to]);
    reply.r = requestId;
    core.out.send(reply, { priority: "high" });
  }

  /** The answer itself could not be sent (too large): tell the requester rather than leave it waiting. */
  #replyFailed(env: Envelope, to: string, requestId: string, error: unknown): void {
    const failure = {
      code: "RemoteHandlerError",
      message: `the answer could not be sent: ${errorMessage(error)}`,
    };
    this.#sendReply(env, to, requestId, "err", failure);
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
    const env = core.out.envelope("req", channel, event, data, network);
    // The send path's walk checks and copies the payload (env.d becomes the copy), throwing a ValidationError or
    // PayloadTooLargeError before anything is open; a request only this client answers is checked on its own.
    // The request is only queued here: no answer can arrive before the call below is open.
    if (network.length > 0) core.out.send(env, { priority: "high" });
    else assertJsonSafe(data, channel, event);
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
      this.#tracker.failAll(call, () => (e instanceof Error ? e : new SocketManagerError(String(e))));
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
    const data = call.data === undefined ? undefined : structuredClone(call.data);
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
