import type { Config } from "../config";
import { errorMessage, ValidationError } from "../contract/errors";
import type { MessageContext } from "../contract/types";
import type { Dispatcher, ResponderOutcome } from "../pipeline/dispatch";
import type { Envelope } from "../pipeline/envelope";
import { RateLimiter, type RateLimits } from "../pipeline/rate-limit";
import { type Answer, Answers, parseRequestId, type Reply } from "./answers";
import type { Core } from "./core";

/**
 * The same answer is sent again at most once per this many ms: an honest requester repeats a request once per
 * reconnect, and a repeat costs this client a copy of the whole answer, sent to the server and on to everyone.
 */
export const REPEAT_INTERVAL = 5_000;

/**
 * What repeats may have sent again to one requester within REPEAT_INTERVAL: past it, a repeat is dropped and
 * counted (rate-limited), so a player repeating many answered requests cannot turn small envelopes into a flood.
 */
export const REPEAT_BYTES = 1024 * 1024;

/**
 * Requests one requester may have answered by this client: a tenth of the per-sender message limits (1,000 a
 * second, bursts of 20,000 by default). Every answer is a frame the server sends to everyone, so without it a
 * player naming every user in many requests (for an event nobody handles, say) would have each client answer
 * each one, and the server carry every answer to every client.
 */
export const ANSWER_SHARE = 10;

/** Told to a repeat whose answer was not kept (over the byte budgets): the handler is not run a second time. */
const GONE = {
  code: "SocketManagerError",
  message: "the answer to this request is no longer available (it was too large to keep for a repeat)",
};

/**
 * Answering the requests of other clients: this client's responder runs once per request (a repeat sent after an
 * outage gets the recorded answer), and the answer goes back on the wire, or an error naming why it could not.
 */
export class Answering {
  readonly #answers: Answers;
  /** Per requester: bytes re-sent by repeats since `since` (one window of REPEAT_INTERVAL). */
  readonly #resent = new Map<string, { since: number; bytes: number }>();
  readonly #deps: { core: Core; dispatcher: Dispatcher };
  readonly #budget: RateLimiter;

  constructor(deps: { core: Core; dispatcher: Dispatcher }) {
    this.#deps = deps;
    this.#answers = new Answers(() => deps.core.clock.now());
    let source: Readonly<Config> | null = null;
    let limits: RateLimits = { rateLimit: 1, rateBurst: 1 };
    this.#budget = new RateLimiter(() => {
      const config = deps.core.config();
      if (config !== source) {
        source = config;
        limits = {
          rateLimit: Math.max(1, config.rateLimit / ANSWER_SHARE),
          rateBurst: Math.max(1, config.rateBurst / ANSWER_SHARE),
        };
      }
      return limits;
    }, deps.core.clock);
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
    if (known) return this.#repeat(env, ctx.senderId, requestId, known);
    if (!this.#budget.allow(ctx.senderId)) return core.counters.drop("rate-limited");
    // The answer's value is checked by the send path's walk, which copies it anyway (see #answered).
    const outcome = this.#deps.dispatcher.request(env.d, ctx, false);
    if (outcome instanceof Promise) {
      // Recorded as running before this task ends, so a repeat arriving while the responder works is ignored.
      const answer = this.#answers.running(ctx.senderId, first.session, first.q, env.w);
      void outcome.then((o) => {
        this.#answers.answered(ctx.senderId, answer, this.#answered(env, ctx, requestId, o));
      });
      return;
    }
    // A synchronous responder: the answer leaves first, then is recorded (nothing else can arrive meanwhile).
    const sent = this.#answered(env, ctx, requestId, outcome);
    const answer = this.#answers.running(ctx.senderId, first.session, first.q, env.w);
    this.#answers.answered(ctx.senderId, answer, sent);
  }

  /** A repeat of an answered request: the same answer again, at most once per REPEAT_INTERVAL. */
  #repeat(env: Envelope, to: string, requestId: string, known: Answer): void {
    const { core } = this.#deps;
    const now = core.clock.now();
    if (now - known.resentAt < REPEAT_INTERVAL) return core.counters.drop("duplicate");
    let resent = this.#resent.get(to);
    if (!resent || now - resent.since >= REPEAT_INTERVAL) {
      resent = { since: now, bytes: 0 };
      this.#resent.set(to, resent);
    }
    if (resent.bytes + known.bytes > REPEAT_BYTES) return core.counters.drop("rate-limited");
    resent.bytes += known.bytes;
    known.resentAt = now;
    // No payload kept (over a budget); `kind` is never null here (a repeat of a running one is ignored before).
    if (known.bytes === 0 || known.kind === null) this.#reply(env, to, requestId, "err", GONE);
    else this.#reply(env, to, requestId, known.kind, known.payload);
  }

  /**
   * Sends the answer of `outcome`; returns what was sent, for the record of answers. A value JSON cannot carry
   * fails the responder, as a throw would have.
   */
  #answered(env: Envelope, ctx: MessageContext, requestId: string, outcome: ResponderOutcome): Reply {
    this.#deps.core.counters.requestsAnswered++;
    let failure: Extract<ResponderOutcome, { ok: false }>;
    if (outcome.ok) {
      try {
        return this.#sendReply(env, ctx.senderId, requestId, "res", outcome.value);
      } catch (e) {
        if (!(e instanceof ValidationError)) return this.#replyFailed(env, ctx.senderId, requestId, e);
        failure = this.#deps.dispatcher.responderFailed(ctx, e);
      }
    } else {
      failure = outcome;
    }
    const payload = { code: failure.code, message: failure.message, issues: failure.issues };
    return this.#reply(env, ctx.senderId, requestId, "err", payload);
  }

  #reply(env: Envelope, to: string, requestId: string, kind: "res" | "err", payload: unknown): Reply {
    try {
      return this.#sendReply(env, to, requestId, kind, payload);
    } catch (e) {
      return this.#replyFailed(env, to, requestId, e);
    }
  }

  /**
   * Returns what left: the send path's copy of the payload and the reply's size on the wire. Throws, queueing
   * nothing, when the answer cannot travel (not JSON-safe, or too large).
   */
  #sendReply(env: Envelope, to: string, requestId: string, kind: "res" | "err", payload: unknown): Reply {
    const { core } = this.#deps;
    const reply = core.out.envelope(kind, env.c, env.e, payload, [to]);
    reply.r = requestId;
    const { bytes } = core.out.send(reply, { priority: "high" });
    return { kind, payload: reply.d, bytes };
  }

  /** The answer itself could not be sent (too large): tell the requester rather than leave it waiting. */
  #replyFailed(env: Envelope, to: string, requestId: string, error: unknown): Reply {
    const failure = {
      code: "RemoteHandlerError",
      message: `the answer could not be sent: ${errorMessage(error)}`,
    };
    return this.#sendReply(env, to, requestId, "err", failure);
  }
}
