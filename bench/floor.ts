/**
 * The codec floor: the JSON work alone that any design carrying these payloads as JSON text pays per message,
 * measured in this process with nothing else running. It bounds what batching can reach here:
 * - in process (section 6): encode each envelope, join them into frames, parse the frames;
 * - through socket.io with both clients in one process (section 1): the same, plus socket.io wrapping each
 *   frame string in its own JSON packet on send (escaping it) and unwrapping it on receive.
 */
import { encodeEnvelope, encodeFrame } from "../src/pipeline/codec";
import { makePayload } from "./common";
import { median, round } from "./stats";

export interface CodecFloor {
  messages: number;
  /** Envelopes per frame, as with the default batchSize. */
  perFrame: number;
  /** µs per message: envelope encode + frame join + frame parse. */
  inProcessUsPerMessage: number;
  /** The msg/s that JSON work alone allows in process (1e6 / µs). */
  inProcessCeiling: number;
  /** µs per message, adding socket.io's escape and unescape of the frame string. */
  socketIoUsPerMessage: number;
  socketIoCeiling: number;
}

function timeUs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1000;
}

export function measureCodecFloor(messages = 100_000, perFrame = 200, repetitions = 5): CodecFloor {
  const payloads = Array.from({ length: messages }, (_, i) => makePayload(i));
  const inProcess: number[] = [];
  const socketIo: number[] = [];
  // One extra pass first, for the JIT.
  for (let rep = 0; rep <= repetitions; rep++) {
    const frames: string[] = [];
    let sink = 0;
    const encode = timeUs(() => {
      let batch: string[] = [];
      payloads.forEach((d, i) => {
        batch.push(
          encodeEnvelope({ q: i + 1, k: "msg", c: "bench", e: "move", a: 1_732_370_000_000 + i, d }),
        );
        if (batch.length === perFrame) {
          frames.push(encodeFrame("bench-session", batch));
          batch = [];
        }
      });
      if (batch.length > 0) frames.push(encodeFrame("bench-session", batch));
    });
    let packets: string[] = [];
    const wrap = timeUs(() => {
      packets = frames.map((f) => `42${JSON.stringify(["module.socket-manager", f, "sender"])}`);
    });
    let unwrapped: string[] = [];
    const unwrap = timeUs(() => {
      unwrapped = packets.map((p) => (JSON.parse(p.slice(2)) as [string, string])[1]);
    });
    const parse = timeUs(() => {
      for (const f of unwrapped) sink += (JSON.parse(f) as { e: unknown[] }).e.length;
    });
    if (sink !== messages) throw new Error(`codec floor: parsed ${sink} of ${messages} envelopes`);
    if (rep === 0) continue;
    inProcess.push((encode + parse) / messages);
    socketIo.push((encode + wrap + unwrap + parse) / messages);
  }
  const inProcessUs = median(inProcess);
  const socketIoUs = median(socketIo);
  return {
    messages,
    perFrame,
    inProcessUsPerMessage: round(inProcessUs, 3),
    inProcessCeiling: Math.round(1e6 / inProcessUs),
    socketIoUsPerMessage: round(socketIoUs, 3),
    socketIoCeiling: Math.round(1e6 / socketIoUs),
  };
}
