import type { Clock } from "../clock";
import type { Config } from "../config";
import { PayloadTooLargeError } from "../contract/errors";
import type { Counters } from "../metrics/counters";
import type { Transport } from "../transports/transport";
import { Batcher, type BatchItem, type Priority } from "./batcher";
import { splitText } from "./chunker";
import { byteLength, encodeEnvelope, encodeFrame, jsonWireLength } from "./codec";
import type { Envelope, Kind } from "./envelope";
import { Outbox } from "./outbox";
import { assertJsonSafe } from "./validate";

/** Room kept in every frame for the frame header and one chunk envelope's own fields. */
export const FRAME_OVERHEAD = 512;

export interface SendOptions {
  priority: Priority;
  /** Protocol traffic (hello, ping, ack): leaves as soon as the socket is up, even while the outbox is held. */
  control?: boolean;
  coalesce?: string | undefined;
  /** Dropped, not kept, while no frame can leave. */
  volatile?: boolean | undefined;
}

interface QueuedEnvelope extends BatchItem {
  readonly at: number;
  readonly volatile: boolean;
}

export interface OutgoingDeps {
  session: string;
  clock: Clock;
  defer: (fn: () => void) => void;
  config: () => Readonly<Config>;
  counters: Counters;
  /** The transport frames leave by, when the socket is up. */
  transport: () => Transport | null;
  /** Told when a transport throws while sending a frame. */
  onError: (error: unknown) => void;
  /** True while the outbox replay waits for peers to return: ordinary traffic queues behind it. */
  holding: () => boolean;
}

/**
 * The send path: validate and encode → chunk if too large → outbox while offline → batcher → frame →
 * transport. Owns the per-session sequence numbers.
 */
export class Outgoing {
  #seq = 0;
  readonly #batcher: Batcher<QueuedEnvelope>;
  readonly #outbox: Outbox<QueuedEnvelope>;
  readonly #deps: OutgoingDeps;

  constructor(deps: OutgoingDeps) {
    this.#deps = deps;
    const cfg = deps.config;
    this.#batcher = new Batcher<QueuedEnvelope>({
      limits: () => ({
        maxCount: cfg().batchSize,
        maxBytes: this.#frameBudget(),
        windowMs: cfg().batchTimeout,
      }),
      clock: deps.clock,
      defer: deps.defer,
      send: (items) => this.#sendFrame(items),
      onCoalesced: () => deps.counters.coalesced++,
    });
    this.#outbox = new Outbox<QueuedEnvelope>(
      () => ({ size: cfg().outboxSize, maxAge: cfg().maxMessageAge }),
      (reason) => deps.counters.drop(reason),
    );
  }

  get outboxDepth(): number {
    return this.#outbox.size;
  }

  envelope(kind: Kind, channel: string, event: string, data: unknown, to: string[] | undefined): Envelope {
    const env: Envelope = { q: ++this.#seq, k: kind, c: channel, e: event, a: this.#deps.clock.now() };
    if (data !== undefined) env.d = data;
    if (to !== undefined) env.t = to;
    return env;
  }

  /**
   * Queues an envelope, cut into chunks when it does not fit one frame. Returns the encoded size and whether
   * it waits offline. Throws ValidationError / PayloadTooLargeError before anything is queued.
   */
  send(env: Envelope, opts: SendOptions): { bytes: number; queued: boolean } {
    const { text, bytes } = this.#seal(env);
    const budget = this.#frameBudget();
    // Sizes that count against a frame are wire sizes: socket.io writes the frame string as JSON again.
    const wire = jsonWireLength(text, bytes);
    if (wire <= budget) return { bytes, queued: this.#enqueue(text, wire, opts, env.a) };
    // Chunks keep the parent's targets and are never coalesced: a partial set would be useless.
    // A piece is escaped twice on its way: inside its chunk envelope, and with the frame by socket.io.
    const pieces = splitText(text, budget - FRAME_OVERHEAD, (piece) => {
      const quoted = JSON.stringify(piece);
      return jsonWireLength(quoted, byteLength(quoted));
    });
    let queued = false;
    pieces.forEach((piece, index) => {
      const chunk = this.envelope("chunk", env.c, env.e, [env.q, index, pieces.length, piece], env.t);
      const chunkText = encodeEnvelope(chunk);
      const chunkOpts = { priority: opts.priority, volatile: opts.volatile };
      queued =
        this.#enqueue(chunkText, jsonWireLength(chunkText, byteLength(chunkText)), chunkOpts, env.a) ||
        queued;
    });
    return { bytes, queued };
  }

  /** Moves everything the outbox still holds (unexpired) into the batcher. */
  flushOutbox(): void {
    for (const item of this.#outbox.drain(this.#deps.clock.now())) this.#batcher.push(item);
  }

  clear(): void {
    this.#batcher.clear();
    this.#outbox.clear();
  }

  /** Bytes available for envelopes in one frame. */
  #frameBudget(): number {
    return this.#deps.config().maxFrameBytes - FRAME_OVERHEAD;
  }

  #seal(env: Envelope): { text: string; bytes: number } {
    assertJsonSafe(env.d, env.c, env.e);
    const text = encodeEnvelope(env);
    const limit = this.#deps.config().maxPayloadBytes;
    const bytes = byteLength(text);
    if (bytes > limit) {
      throw new PayloadTooLargeError(`payload is ${bytes} bytes; the limit (maxPayloadBytes) is ${limit}`, {
        moduleId: env.c,
        event: env.e,
      });
    }
    return { text, bytes };
  }

  #enqueue(text: string, bytes: number, opts: SendOptions, at: number): boolean {
    const item: QueuedEnvelope = {
      text,
      bytes,
      priority: opts.priority,
      coalesce: opts.coalesce,
      volatile: opts.volatile === true,
      at,
    };
    if (this.#deps.transport() && (opts.control || !this.#deps.holding())) {
      this.#batcher.push(item);
      return false;
    }
    this.#park(item);
    return true;
  }

  #park(item: QueuedEnvelope): void {
    if (item.volatile) this.#deps.counters.drop("volatile-offline");
    else this.#outbox.add(item);
  }

  #sendFrame(items: QueuedEnvelope[]): void {
    const transport = this.#deps.transport();
    if (!transport) {
      // The socket went down between queueing and flushing: keep what may be kept.
      for (const item of items) this.#park(item);
      return;
    }
    const frame = encodeFrame(
      this.#deps.session,
      items.map((i) => i.text),
    );
    try {
      transport.send(frame);
    } catch (e) {
      // Never let a transport failure escape into the caller's emit; count what was lost.
      this.#deps.counters.drop("frame-failed", items.length);
      this.#deps.onError(e);
      return;
    }
    const counters = this.#deps.counters;
    counters.framesSent++;
    counters.envelopesOut += items.length;
    // The envelopes' wire sizes plus the frame's ASCII header and commas: no second scan of the frame.
    let bytes = frame.length;
    for (const item of items) bytes += item.bytes - item.text.length;
    counters.bytesOut += bytes;
  }
}
