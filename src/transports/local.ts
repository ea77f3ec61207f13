import type { Transport, TransportSink } from "./transport";

/**
 * No network: every frame is looped back to this client as a simulated message, so a module can be
 * developed and tested alone in a world.
 */
export class LocalTransport implements Transport {
  readonly kind = "local" as const;
  readonly connected = true;
  private disposed = false;

  constructor(
    private readonly userId: string,
    private readonly sink: TransportSink,
    private readonly defer: (fn: () => void) => void,
  ) {}

  send(frame: string): void {
    this.defer(() => {
      if (!this.disposed)
        this.sink.frame({ raw: frame, senderId: this.userId, via: "local", simulated: true });
    });
  }

  dispose(): void {
    this.disposed = true;
  }
}
