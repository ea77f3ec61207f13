import { errorMessage, ValidationError } from "../contract/errors";
import type { MessageContext } from "../contract/types";
import type { Dispatcher, ResponderOutcome } from "../pipeline/dispatch";
import type { Envelope } from "../pipeline/envelope";
import { Answers, answered, parseRequestId } from "./answers";
import type { Core } from "./core";

/**
 * Answering the requests of other clients: this client's responder runs once per request (a repeat sent after an
 * outage gets the recorded answer), and the answer goes back on the wire, or an error naming why it could not.
 */
export class Answering {
  readonly #answers = new Answers();
  readonly #deps: { core: Core; dispatcher: Dispatcher };

  constructor(deps: { core: Core; dispatcher: Dispatcher }) {
    this.#deps = deps;
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
}
