import type { Clock } from "../clock";
import type { Config } from "../config";
import type { FoundryUser } from "../foundry/types";
import type { Logger } from "../log";
import type { Counters } from "../metrics/counters";
import type { IncomingFrame, TransportKind } from "../transports/transport";
import { isChunkPayload, Reassembler } from "./chunker";
import { decodeFrame, readEnvelope } from "./codec";
import type { SeqWindow } from "./dedupe";
import { type Envelope, isAddressedTo } from "./envelope";
import { EnvelopeChecks } from "./envelope-checks";
import { checkIncoming, RESERVED_KEY } from "./incoming";

/** socket.io's default maxHttpBufferSize: nothing larger can reach us anyway. */
const MAX_INCOMING_FRAME = 1_000_000;
/** All senders' half-rebuilt chunked messages together. */
const MAX_REASSEMBLY_BYTES = 64 * 1024 * 1024;

/**
 * What every envelope of one frame shares: who sent it, from which session, by which way, and when. Not the
 * frame itself: an envelope that waits (for a part still loading) must not keep a whole frame alive.
 */
export interface Arrival {
  readonly session: string;
  readonly sender: FoundryUser;
  readonly via: TransportKind;
  /** Injected by `simulate()` on this client (local transport), not received. */
  readonly simulated: boolean;
  /** When the frame arrived (read once per frame). */
  readonly receivedAt: number;
}

/** An arrival, with what the receive checks need of its frame (read once per frame). */
interface FrameBatch extends Arrival {
  /**
   * The sender session's duplicate window, looked up at the frame's first envelope addressed to this client: a
   * frame of a new session costs a window (8 KiB) only once it carries something this client checks.
   */
  seen: SeqWindow | null;
  /** This client's user id, read once per frame. */
  readonly me: string;
}

/**
 * One envelope that passed every generic check, with what the later stages need to know about it. What its
 * frame's envelopes share is one object for them all (`from`), so each envelope costs a small object only.
 */
export interface Accepted {
  readonly env: Envelope;
  /** The envelope's size as JSON (a chunked message's: its whole text). */
  readonly bytes: number;
  readonly from: Arrival;
}

export interface ReceiveDeps {
  clock: Clock;
  config: () => Readonly<Config>;
  counters: Counters;
  log: Logger;
  userId: () => string;
  user: (id: string) => FoundryUser | undefined;
  accept: (message: Accepted) => void;
  /** Told before the envelopes of a frame holding more than one are handled (their answers share frames). */
  manyArrived?: () => void;
}

/**
 * The receive path up to routing: decode → frame checks → keep what targets me → duplicates, age, rate →
 * chunk reassembly. Nothing here throws; every refusal is counted by reason.
 */
export class ReceivePath {
  readonly checks: EnvelopeChecks;
  readonly #reassembler: Reassembler;
  readonly #deps: ReceiveDeps;

  constructor(deps: ReceiveDeps) {
    this.#deps = deps;
    this.checks = new EnvelopeChecks(deps.config, deps.clock);
    this.#reassembler = new Reassembler(
      () => ({
        maxMessageBytes: deps.config().maxPayloadBytes,
        maxTotalBytes: MAX_REASSEMBLY_BYTES,
        maxAgeMs: deps.config().maxMessageAge,
      }),
      deps.clock,
      (n) => deps.counters.drop("chunk-incomplete", n),
    );
  }

  receive(frame: IncomingFrame): void {
    const { counters } = this.#deps;
    const decoded = decodeFrame(frame.raw, MAX_INCOMING_FRAME);
    counters.framesReceived++;
    counters.bytesIn += decoded.bytes;
    if (!decoded.ok) {
      counters.drop(decoded.reason);
      this.#deps.log.debug(`dropped a frame from ${frame.senderId}: ${decoded.reason}`);
      return;
    }
    const sender = this.#deps.user(frame.senderId);
    const envelopes = decoded.frame.e;
    if (!sender) return counters.drop("unknown-sender", envelopes.length);
    const batch: FrameBatch = {
      session: decoded.frame.s,
      sender,
      via: frame.via,
      simulated: frame.simulated,
      receivedAt: this.#deps.clock.now(),
      seen: null,
      me: this.#deps.userId(),
    };
    const { sizes } = decoded;
    if (envelopes.length > 1) this.#deps.manyArrived?.();
    for (let i = 0; i < envelopes.length; i++) this.#envelope(envelopes[i], sizes[i] ?? -1, batch);
  }

  clear(): void {
    this.#reassembler.clear();
  }

  /** `bytes` is the envelope's size from the frame's walk, negative when the walk refused it. */
  #envelope(wire: unknown, bytes: number, batch: FrameBatch): void {
    const { counters } = this.#deps;
    const { session, sender, simulated, receivedAt: now } = batch;
    // A reserved key, too deep a nesting, or a wrong shape: the envelope goes, the rest of the frame stays.
    if (bytes === RESERVED_KEY) return counters.drop("reserved-key");
    const env = bytes < 0 ? null : readEnvelope(wire);
    if (!env) return counters.drop("envelope-shape");
    if (!simulated && !isAddressedTo(env, batch.me)) {
      counters.notForMe++;
      return;
    }
    batch.seen ??= this.checks.window(sender.id, session);
    const seen = batch.seen;
    const refused = this.checks.check(env, seen, sender.id, simulated, now);
    if (refused) return counters.drop(refused);
    if (env.k !== "chunk") {
      return this.#deps.accept({ env, bytes, from: batch });
    }
    if (!isChunkPayload(env.d)) return counters.drop("chunk-invalid");
    const result = this.#reassembler.add(sender.id, session, env.d);
    if (result.status === "pending") return;
    if (result.status !== "complete")
      return counters.drop(result.status === "over-budget" ? "oversize" : "chunk-invalid");
    let parent: Envelope | null;
    try {
      const rebuilt: unknown = JSON.parse(result.text);
      // The same defence as any envelope gets from its frame's walk (its chunks were measured as they came).
      const refusal = checkIncoming(rebuilt);
      if (refusal === RESERVED_KEY) return counters.drop("reserved-key");
      parent = refusal === 0 ? readEnvelope(rebuilt) : null;
    } catch {
      return counters.drop("chunk-invalid");
    }
    // The rebuilt envelope must be what its chunks announced, and passes the same checks as any other.
    if (!parent || parent.k === "chunk" || parent.q !== env.d[0]) return counters.drop("chunk-invalid");
    const again = this.checks.check(parent, seen, sender.id, simulated, now);
    if (again) return counters.drop(again);
    this.#deps.accept({ env: parent, bytes: result.text.length, from: batch });
  }
}
