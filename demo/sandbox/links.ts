/**
 * One "network cable" per simulated client: a TCP pass-through on 127.0.0.1 between a frame's socket and the
 * relay. Cutting it drops the live connection (the client sees a transport close, as when Wi-Fi drops) and
 * refuses new ones until it is restored; socket.io's own reconnection then finds the relay again. The relay
 * keeps its port across stop/restart, so a cable always points at the right place.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export interface Link {
  /** Port the client connects to. */
  readonly port: number;
  readonly cut: boolean;
  /** Open connections right now. */
  readonly connections: number;
  /** Drop every connection and refuse new ones (true), or let connections through again (false). */
  setCut(cut: boolean): void;
  close(): Promise<void>;
}

export async function createLink(targetPort: () => number): Promise<Link> {
  const pairs = new Set<{ down: Socket; up: Socket }>();
  let isCut = false;

  const server: Server = createServer((down) => {
    if (isCut) {
      down.destroy();
      return;
    }
    const up = tcpConnect({ host: "127.0.0.1", port: targetPort() });
    const pair = { down, up };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    for (const s of [down, up]) {
      s.setNoDelay(true);
      s.on("error", end);
      s.on("close", end);
    }
    down.pipe(up);
    up.pipe(down);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const dropAll = () => {
    for (const { down, up } of [...pairs]) {
      down.destroy();
      up.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    get cut() {
      return isCut;
    },
    get connections() {
      return pairs.size;
    },
    setCut(cut) {
      isCut = cut;
      if (cut) dropAll();
    },
    async close() {
      isCut = true;
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
