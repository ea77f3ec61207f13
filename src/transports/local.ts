import type { OutgoingFrame, Transport, TransportSink } from "./transport";

/**
 * No network: every frame is looped back to this client as a simulated message, so a module can be
 * developed and tested alone in a world. The frame object itself is handed back: its payloads are already the
 * send path's own copies, and nothing else holds it.
 */
export class LocalTransport implements Transport {
  readonly kind = "local" as const;
  readonly connected = true;
  #disposed = false;

  readonly #userId: string;
  readonly #sink: TransportSink;
  readonly #defer: (fn: () => void) => void;

  constructor(userId: string, sink: TransportSink, defer: (fn: () => void) => void) {
    this.#userId = userId;
    this.#sink = sink;
    this.#defer = defer;
  }

  send(frame: OutgoingFrame): void {
    this.#defer(() => {
      if (!this.#disposed)
        this.#sink.frame({ raw: frame, senderId: this.#userId, via: "local", simulated: true });
    });
  }

  /** No socket: nothing arrives from outside. */
  receive(_args: unknown[]): void {}

  dispose(): void {
    this.#disposed = true;
  }
}
