import type { MessageContext } from "../contract/types";
import type { FoundryUser } from "../foundry/types";
import { type Envelope, messageId } from "../pipeline/envelope";
import type { Accepted } from "../pipeline/receive";
import type { TransportKind } from "../transports/transport";

/** One-way latency of a message sent at `sentAt` by `senderId`, offset-corrected when known. */
export type Latency = (sentAt: number, senderId: string, receivedAt: number) => number;

/** Builds the frozen context a handler receives: the server-stamped sender, never one named in the payload. */
export function messageContext(
  env: Envelope,
  messageId: string,
  sender: FoundryUser,
  via: TransportKind,
  simulated: boolean,
  receivedAt: number,
  latency: Latency,
): MessageContext {
  return Object.freeze({
    moduleId: env.c,
    event: env.e,
    messageId,
    senderId: sender.id,
    sender,
    sentAt: env.a,
    receivedAt,
    latencyMs: latency(env.a, sender.id, receivedAt),
    transport: via,
    simulated,
  });
}

/** Contexts for what arrives from other clients and for what this client hands its own handlers. */
export class Contexts {
  readonly #user: (id: string) => FoundryUser | undefined;
  readonly #now: () => number;
  readonly #latency: Latency;
  readonly #transport: () => TransportKind | null;

  constructor(deps: {
    user: (id: string) => FoundryUser | undefined;
    now: () => number;
    latency: Latency;
    transport: () => TransportKind | null;
  }) {
    this.#user = deps.user;
    this.#now = deps.now;
    this.#latency = deps.latency;
    this.#transport = deps.transport;
  }

  remote({ env, from: { session, sender, via, simulated, receivedAt } }: Accepted): MessageContext {
    const id = messageId(session, env.q);
    return messageContext(env, id, sender, via, simulated, receivedAt, this.#latency);
  }

  /** From `from` on this client; null when that user is unknown. */
  local(env: Envelope, id: string, simulated: boolean, from: string): MessageContext | null {
    const sender = this.#user(from);
    if (!sender) return null;
    const via = this.#transport() ?? "local";
    return messageContext(env, id, sender, via, simulated, this.#now(), this.#latency);
  }
}
