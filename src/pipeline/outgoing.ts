import type { Clock } from "../clock";
import type { Config } from "../config";
import { PayloadTooLargeError } from "../contract/errors";
import type { Counters } from "../metrics/counters";
import type { Transport } from "../transports/transport";
import { Batcher, type BatchItem, type Priority } from "./batcher";
import { type ChunkPayload, MAX_CHUNKS, splitText } from "./chunker";
import { frameBytes, type SealedEnvelope, sealChunk, sealEnvelope, wireFrame } from "./codec";
import type { Envelope, Kind } from "./envelope";
import { Outbox } from "./outbox";
import { wireBytes } from "./sizes";

/**
 * Room kept in every frame for its header, `{"v":1,"s":"<session>","e":[` and `]}` (about 40 bytes with a
 * 16-character session id), and for socket.io's own packet around it; a header that needs more gets more.
 *
 * All sizes that decide whether a frame fits are sizes on the wire: socket.io writes the frame object with
 * JSON.stringify, and every envelope's size as JSON is known exactly from the walk that copied its payload.
 * Each envelope counts its size plus one byte for the comma after it (the last envelope's byte is given back in
 * the budget), so a full frame's parts add up to its size on the wire.
 */
export const FRAME_OVERHEAD = 512;
/** The comma after each envelope in a frame. */
const SEPARATOR = 1;
/** Chunk pieces smaller than this (on the wire) are refused: the message's own fields leave no room. */
const MIN_PIECE_BYTES = 64;

export interface SendOptions {
  priority: Priority;
  /** Protocol traffic (hello, ping, ack): leaves as soon as the socket is up, even while the outbox is held. */
  control?: boolean;
  coalesce?: string | undefined;
  /** Dropped, not kept, while no frame can leave. */
  volatile?: boolean | undefined;
}

interface QueuedEnvelope extends BatchItem {
  /** The envelope in wire form. */
  readonly wire: unknown[];
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
  /** The size of an empty frame from this session (for bytesOut). */
  readonly #headerBytes: number;
  /** What the header is given of every frame: at least FRAME_OVERHEAD. */
  readonly #headerRoom: number;

  constructor(deps: OutgoingDeps) {
    this.#deps = deps;
    this.#headerBytes = frameBytes(deps.session, 0, 0);
    this.#headerRoom = Math.max(FRAME_OVERHEAD, this.#headerBytes);
    const cfg = deps.config;
    // One object, refilled at each push (the batcher reads it at once): a new one would be an allocation per emit.
    const limits = { maxCount: 0, maxBytes: 0, windowMs: 0 };
    this.#batcher = new Batcher<QueuedEnvelope>({
      limits: () => {
        limits.maxCount = cfg().batchSize;
        limits.maxBytes = this.#frameBudget();
        limits.windowMs = cfg().batchTimeout;
        return limits;
      },
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
    // Every field most envelopes carry is in the literal (undefined when absent): added one by one, they would
    // give each envelope a second allocation for its out-of-object properties.
    return { q: ++this.#seq, k: kind, c: channel, e: event, a: this.#deps.clock.now(), d: data, t: to };
  }

  /**
   * Queues an envelope, cut into chunks when it does not fit one frame. Returns its size as JSON and whether it
   * waits offline. Throws ValidationError / PayloadTooLargeError before anything is queued. The payload is
   * copied here (`env.d` becomes the copy): what the caller does to its object afterwards changes nothing sent,
   * retransmissions included.
   */
  send(env: Envelope, opts: SendOptions): { bytes: number; queued: boolean } {
    const sealed = this.#seal(env);
    const budget = this.#frameBudget();
    const size = sealed.bytes + SEPARATOR;
    if (size <= budget) return { bytes: sealed.bytes, queued: this.#enqueue(sealed.wire, size, opts, env.a) };
    return { bytes: sealed.bytes, queued: this.#sendChunked(env, sealed, budget, opts) };
  }

  /** See Batcher.groupRestOfTask: used while the envelopes of one frame are received. */
  groupRestOfTask(): void {
    this.#batcher.groupRestOfTask();
  }

  /** Moves everything the outbox still holds (unexpired) into the batcher. */
  flushOutbox(): void {
    for (const item of this.#outbox.drain(this.#deps.clock.now())) this.#batcher.push(item);
  }

  clear(): void {
    this.#batcher.clear();
    this.#outbox.clear();
  }

  /** Bytes available for envelopes in one frame on the wire, each counted with a comma (the last has none). */
  #frameBudget(): number {
    return this.#deps.config().maxFrameBytes - this.#headerRoom + SEPARATOR;
  }

  /**
   * Cuts an envelope too large for one frame into chunk envelopes that each fit one, and queues them; throws
   * PayloadTooLargeError, queueing nothing, when that cannot be done. Chunks keep the parent's targets and are
   * never coalesced: a partial set would be useless. The pieces are slices of the envelope's JSON text, each
   * travelling as a JSON string (escaped once, by socket.io).
   */
  #sendChunked(env: Envelope, sealed: SealedEnvelope, budget: number, opts: SendOptions): boolean {
    const at = this.#deps.clock.now();
    const chunk = (q: number, payload: ChunkPayload): Envelope => {
      const c: Envelope = { q, k: "chunk", c: env.c, e: env.e, a: at, d: payload };
      if (env.t !== undefined) c.t = env.t;
      return c;
    };
    // A chunk's own fields (targets, names, numbers) as they travel, measured on a stand-in with an empty piece
    // (`""`, 2 bytes) and numbers at least as long as any real chunk of this envelope will carry.
    const probe = sealEnvelope(chunk(this.#seq + MAX_CHUNKS, [env.q, MAX_CHUNKS, MAX_CHUNKS, ""]));
    const fixed = probe.bytes - 2 + SEPARATOR;
    const room = budget - fixed;
    const { maxFrameBytes } = this.#deps.config();
    const refuse = (why: string) =>
      new PayloadTooLargeError(`${why} (maxFrameBytes is ${maxFrameBytes})`, {
        moduleId: env.c,
        event: env.e,
      });
    if (room < MIN_PIECE_BYTES) {
      const targets = env.t ? ` (${env.t.length} targets)` : "";
      throw refuse(
        `a chunk of this message needs ${fixed} bytes for its own fields${targets}, leaving no room`,
      );
    }
    // A piece takes at least its own bytes on the wire: a cheap early count of the chunks needed.
    const least = Math.ceil(sealed.bytes / room);
    if (least > MAX_CHUNKS)
      throw refuse(`this message needs at least ${least} chunks; at most ${MAX_CHUNKS}`);
    const sizes: number[] = [];
    const pieces = splitText(JSON.stringify(sealed.wire), room, wireBytes, sizes);
    if (pieces.length > MAX_CHUNKS) {
      throw refuse(`this message needs ${pieces.length} chunks; at most ${MAX_CHUNKS}`);
    }
    const chunkOpts = { priority: opts.priority, volatile: opts.volatile };
    let queued = false;
    pieces.forEach((piece, index) => {
      const payload: [number, number, number, string] = [env.q, index, pieces.length, piece];
      const part = sealChunk(
        chunk(++this.#seq, payload) as Envelope & { d: typeof payload },
        sizes[index] ?? wireBytes(piece),
      );
      queued = this.#enqueue(part.wire, part.bytes + SEPARATOR, chunkOpts, env.a) || queued;
    });
    return queued;
  }

  #seal(env: Envelope): SealedEnvelope {
    const sealed = sealEnvelope(env);
    if (env.d !== undefined) env.d = sealed.wire[6];
    const limit = this.#deps.config().maxPayloadBytes;
    if (sealed.bytes > limit) {
      throw new PayloadTooLargeError(
        `payload is ${sealed.bytes} bytes; the limit (maxPayloadBytes) is ${limit}`,
        {
          moduleId: env.c,
          event: env.e,
        },
      );
    }
    return sealed;
  }

  #enqueue(wire: unknown[], bytes: number, opts: SendOptions, at: number): boolean {
    const item: QueuedEnvelope = {
      wire,
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
    const frame = wireFrame(
      this.#deps.session,
      items.map((i) => i.wire),
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
    // The frame's size on the wire without a second walk: its header, and each envelope's size with its comma
    // (the last one has none).
    let bytes = this.#headerBytes - SEPARATOR;
    for (const item of items) bytes += item.bytes;
    counters.bytesOut += bytes;
  }
}
