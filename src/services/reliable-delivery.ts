import type { EmitReport, MessageContext } from "../contract/types";
import type { Dispatcher } from "../pipeline/dispatch";
import type { Envelope } from "../pipeline/envelope";
import { snapshot } from "../pipeline/snapshot";
import { ReliableInbox } from "../reliability/inbox";
import { ReliableSender } from "../reliability/reliable";
import { isAckPayload, isStreamTags } from "../reliability/streams";
import type { TransportKind } from "../transports/transport";
import { type Core, sendControl } from "./core";

export interface ReliableDeps {
  core: Core;
  dispatcher: Dispatcher;
  transport(): TransportKind | null;
  canSend(): boolean;
  /** The session of a peer that said hello (reliable recipients are the peers known to run the module). */
  session(userId: string): string | undefined;
  /** Delivers a copy of `env` to this client's own handlers. */
  deliverToSelf(env: Envelope, id: string): void;
}

/**
 * Reliable delivery, both halves: sending (per-recipient streams, retransmission with backoff, the report of
 * who acked) and receiving (exactly once and in order per sender session, acks batched per task).
 */
export class ReliableDelivery {
  readonly #sender: ReliableSender;
  readonly #inbox: ReliableInbox;
  readonly #acksDue = new Map<string, { senderSession: string; numbers: number[] }>();
  readonly #deps: ReliableDeps;

  constructor(deps: ReliableDeps) {
    this.#deps = deps;
    const { core } = deps;
    // Let go unacked, so the sender sends them again; still counted, as every drop is.
    this.#inbox = new ReliableInbox({}, (count, why) =>
      core.counters.drop(why === "aged" ? "expired" : "reliable-overflow", count),
    );
    this.#sender = new ReliableSender({
      out: core.out,
      clock: core.clock,
      counters: core.counters,
      random: core.random,
      online: () => deps.canSend(),
    });
  }

  async emit(
    env: Envelope,
    id: string,
    target: { self: boolean; recipients: string[] },
    timeout: number,
  ): Promise<EmitReport> {
    const { core } = this.#deps;
    // Checked and copied at the call, whoever it goes to (the send path copies it again as it seals each send).
    env.d = snapshot(env.d, env.c, env.e).value;
    const me = core.userId();
    const peers = target.recipients
      .filter((userId) => userId !== me)
      .flatMap((userId) => {
        const session = this.#deps.session(userId);
        return session ? [{ userId, session }] : [];
      });
    const recipients = peers.map((p) => p.userId);
    if (target.self) {
      this.#deps.deliverToSelf(env, id);
      recipients.push(me);
    }
    const sent =
      this.#deps.transport() === "local"
        ? { queued: false, acked: Promise.resolve({ acked: [], missing: [] }) }
        : this.#sender.send(env, peers, timeout);
    core.counters.messagesSent++;
    core.metrics.sent(env.c, env.e, 0);
    const { acked, missing } = await sent.acked;
    const report: EmitReport = {
      messageId: id,
      recipients,
      queued: sent.queued,
      acked: target.self ? [...acked, me] : acked,
    };
    if (missing.length > 0) report.missing = missing;
    return report;
  }

  /** A reliable envelope from another client: run it once, in order; ack it once it ran. */
  receive(env: Envelope, session: string, ctx: MessageContext, bytes: number): void {
    const { core } = this.#deps;
    const tag = env.o?.[core.userId()];
    if (!tag || !isStreamTags({ tag })) return core.counters.drop("envelope-shape");
    const n = tag[1];
    const run = () => {
      void this.#deps.dispatcher.message(env.d, ctx);
      this.#queueAck(ctx.senderId, session, n);
    };
    const verdict = this.#inbox.receive(ctx.senderId, session, core.session, tag, run, bytes, ctx.receivedAt);
    if (verdict === "stale") return core.counters.drop("reliable-stale");
    if (verdict === "overflow") return core.counters.drop("reliable-overflow");
    if (verdict === "duplicate" || verdict === "waiting") core.counters.drop("duplicate");
    // Already ran: the sender lost our ack.
    if (verdict === "duplicate") this.#queueAck(ctx.senderId, session, n);
  }

  /** An ack from another client. */
  ack(senderId: string, payload: unknown): void {
    const { core } = this.#deps;
    if (!isAckPayload(payload) || payload[0] !== core.session) return core.counters.drop("reliable-stale");
    this.#sender.ack(senderId, payload[1], payload[2]);
  }

  peerRestarted(userId: string, session: string): void {
    this.#sender.peerRestarted(userId, session);
  }

  abort(error: Error): void {
    this.#sender.abort(error);
  }

  /** Acks are batched: one ack envelope per sender at the end of the task. */
  #queueAck(senderId: string, senderSession: string, n: number): void {
    const { core } = this.#deps;
    const key = `${senderId}/${senderSession}`;
    const due = this.#acksDue.get(key);
    if (due) return void due.numbers.push(n);
    this.#acksDue.set(key, { senderSession, numbers: [n] });
    core.defer(() => {
      const entry = this.#acksDue.get(key);
      this.#acksDue.delete(key);
      if (!entry) return;
      sendControl(core.out, "ack", [entry.senderSession, core.session, entry.numbers], [senderId]);
    });
  }
}
