/** The bridge client's test bench: a hand-driven WebSocket stand-in, a fake clock and a host to set up. */
import { BridgeClient } from "../../../src/bridge/client";
import type { BridgeHost, BridgeSocket } from "../../../src/bridge/host";
import { DEFAULT_CONFIG } from "../../../src/config";
import type { Logger } from "../../../src/log";
import { FakeClock } from "../support";

/** A WebSocket stand-in: the test opens, answers and closes it by hand. */
export class FakeSocket implements BridgeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  closed: { code?: number; reason?: string } | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(data: string): void {
    this.raw.push(data);
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  /** The server side. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSends(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  welcome(): void {
    this.open();
    this.serverSends({ type: "welcome", v: 1, server: "test", maxFrameBytes: 1_048_576 });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
  ofType(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function setup(overrides: Partial<BridgeHost> = {}) {
  FakeSocket.made = [];
  const clock = new FakeClock(1_000_000);
  const notes: string[] = [];
  const world = { url: "ws://127.0.0.1:9/foundry?x=secret", token: "s3cret", authority: true };
  const host: BridgeHost = {
    clock,
    log: quiet,
    limits: () => ({ ...DEFAULT_CONFIG, heartbeatInterval: 0 }),
    url: () => world.url,
    token: () => world.token,
    isAuthority: () => world.authority,
    hello: () => ({ world: "w1", user: "gm", module: "1.2.3" }),
    socketClass: () => FakeSocket,
    notify: (_level, key) => void notes.push(key),
    random: () => 0,
    ...overrides,
  };
  const client = new BridgeClient(host);
  const socket = () => {
    const s = FakeSocket.made.at(-1);
    if (!s) throw new Error("no socket was opened");
    return s;
  };
  return { client, clock, notes, world, socket };
}

/** Lets the end-of-task flush run. */
export const flush = (clock: FakeClock) => clock.advance(0);
