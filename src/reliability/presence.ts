import type { TransportKind } from "../transports/transport";

/** What a client says about itself when it arrives and to each newcomer. */
export interface HelloPayload {
  /** Module version. */
  v: string;
  /** Protocol version. */
  p: number;
  tr: TransportKind;
  /** Session id (changes on every page load). */
  s: string;
  /** Set when the sender wants a hello back. */
  reply?: 1;
}

/** A version a peer may announce: it is shown to GMs, so nothing but version characters (no markup). */
const VERSION_PATTERN = /^[\w.+-]{1,32}$/;

export function isHelloPayload(value: unknown): value is HelloPayload {
  if (typeof value !== "object" || value === null) return false;
  const h = value as Record<string, unknown>;
  return (
    typeof h.v === "string" &&
    VERSION_PATTERN.test(h.v) &&
    typeof h.p === "number" &&
    Number.isInteger(h.p) &&
    (h.tr === "native" || h.tr === "socketlib" || h.tr === "local") &&
    typeof h.s === "string" &&
    h.s.length > 0 &&
    h.s.length <= 64
  );
}

export interface PeerRecord {
  readonly userId: string;
  session: string;
  version: string;
  protocol: number;
  transport: TransportKind;
  lastSeen: number;
}

export type HelloOutcome = { peer: PeerRecord; isNew: boolean; sessionChanged: boolean };

/** Which users run Socket Manager, with which version, protocol and session. */
export class Presence {
  readonly #peers = new Map<string, PeerRecord>();

  hello(userId: string, hello: HelloPayload, now: number): HelloOutcome {
    const known = this.#peers.get(userId);
    if (!known) {
      const peer: PeerRecord = {
        userId,
        session: hello.s,
        version: hello.v,
        protocol: hello.p,
        transport: hello.tr,
        lastSeen: now,
      };
      this.#peers.set(userId, peer);
      return { peer, isNew: true, sessionChanged: false };
    }
    const sessionChanged = known.session !== hello.s;
    known.session = hello.s;
    known.version = hello.v;
    known.protocol = hello.p;
    known.transport = hello.tr;
    known.lastSeen = now;
    return { peer: known, isNew: false, sessionChanged };
  }

  get(userId: string): PeerRecord | undefined {
    return this.#peers.get(userId);
  }

  has(userId: string): boolean {
    return this.#peers.has(userId);
  }

  all(): PeerRecord[] {
    return [...this.#peers.values()];
  }
}
