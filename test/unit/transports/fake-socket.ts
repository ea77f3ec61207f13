/** A socket.io-like `game.socket` whose events the test fires by hand (no network). */
import type { FoundrySocket } from "../../../src/foundry/types";
import { decodeFrame, encodeEnvelope, encodeFrame, readEnvelope } from "../../../src/pipeline/codec";
import type { Envelope } from "../../../src/pipeline/envelope";
import { SOCKET_EVENT } from "../../../src/transports/transport";

type Listener = (...args: unknown[]) => void;

export interface FakeSocket extends FoundrySocket {
  connected: boolean;
  readonly sent: unknown[][];
  /** Calls every listener of `event` (socket or manager) with `args`. */
  fire(event: string, ...args: unknown[]): void;
  fireManager(event: string, ...args: unknown[]): void;
  count(event: string): number;
}

export function fakeSocket(connected = true): FakeSocket {
  const on = new Map<string, Listener[]>();
  const io = new Map<string, Listener[]>();
  const add = (map: Map<string, Listener[]>, event: string, fn: Listener) =>
    map.set(event, [...(map.get(event) ?? []), fn]);
  const remove = (map: Map<string, Listener[]>, event: string, fn?: Listener) =>
    map.set(
      event,
      (map.get(event) ?? []).filter((l) => fn !== undefined && l !== fn),
    );
  const sent: unknown[][] = [];
  const socket: FakeSocket = {
    connected,
    sent,
    emit(event: string, ...args: unknown[]) {
      sent.push([event, ...args]);
      return true;
    },
    on(event: string, fn: (...args: never[]) => void) {
      add(on, event, fn as Listener);
      return socket;
    },
    off(event: string, fn?: (...args: never[]) => void) {
      remove(on, event, fn as Listener | undefined);
      return socket;
    },
    io: {
      on(event: string, fn: (...args: never[]) => void) {
        add(io, event, fn as Listener);
      },
      off(event: string, fn?: (...args: never[]) => void) {
        remove(io, event, fn as Listener | undefined);
      },
    },
    fire(event, ...args) {
      for (const fn of [...(on.get(event) ?? [])]) fn(...args);
    },
    fireManager(event, ...args) {
      for (const fn of [...(io.get(event) ?? [])]) fn(...args);
    },
    count(event) {
      return (on.get(event) ?? []).length;
    },
  };
  return socket;
}

/** Every envelope this client put on the wire, read back from the frames it emitted. */
export function envelopesSent(socket: FakeSocket): Envelope[] {
  return socket.sent.flatMap(([, frame]) => {
    const decoded = decodeFrame(frame, 1_000_000);
    return decoded.ok ? decoded.frame.e.flatMap((e) => readEnvelope(e) ?? []) : [];
  });
}

/** Delivers `envs` in one frame as if `userId` (session `<userId>-session`) sent them; the server stamps the sender. */
export function deliverFrom(socket: FakeSocket, userId: string, envs: Envelope[]): void {
  socket.fire(SOCKET_EVENT, encodeFrame(`${userId}-session`, envs.map(encodeEnvelope)), userId);
}
