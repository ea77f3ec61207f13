/**
 * A whole simulated world (world-core.ts) over a real socket.io relay on 127.0.0.1 (the default), or in memory
 * (`network: "memory"`): the same rules on one virtual clock, which the harness's waits then move
 * (test/harness/virtual-time.ts).
 */
import { systemClock } from "../../src/clock";
import { socketIo, type UserSpec } from "./client";
import { MemoryRelay, MemorySocket } from "./memory-relay";
import { startRelay } from "./relay";
import { acquireVirtualClock, releaseVirtualClock } from "./virtual-time";
import { createWorldOn, type Network, type World, type WorldNetwork, type WorldOptions } from "./world-core";

export { sleep, type WaitOptions, waitFor, withTimeout } from "./wait";
export * from "./world-core";

/** gm1, gm2 (full GMs), asst (assistant), trusted, p1, p2 (players). */
export const STANDARD_USERS: readonly UserSpec[] = Object.freeze([
  { id: "gm1", name: "Gamemaster", role: 4 },
  { id: "gm2", name: "Second GM", role: 4 },
  { id: "asst", name: "Assistant", role: 3 },
  { id: "trusted", name: "Trusted Player", role: 2 },
  { id: "p1", name: "Player One", role: 1 },
  { id: "p2", name: "Player Two", role: 1 },
] as const satisfies readonly UserSpec[]);

/** Both networks, for suites that run on each (`for (const network of NETWORKS)`). */
export const NETWORKS: readonly Network[] = ["memory", "socket.io"];

export interface ContractRun {
  readonly network: Network;
  readonly transport: "native" | "socketlib";
  /** For describe titles: "native, memory". */
  readonly name: string;
}

/**
 * Where the contract suites run: both transports in the in-memory world (fast, in virtual time, the same every
 * run), and a thinner pass of the same tests over a real socket.io relay on 127.0.0.1.
 */
export const CONTRACT_RUNS: readonly ContractRun[] = Object.freeze(
  (
    [
      ["memory", "native"],
      ["memory", "socketlib"],
      ["socket.io", "native"],
    ] as const
  ).map(([network, transport]) => Object.freeze({ network, transport, name: `${transport}, ${network}` })),
);

/** The in-memory network, on the virtual clock shared in this test file. */
export function memoryNetwork(
  opts: { maxHttpBufferSize?: number; socketEvents?: readonly string[] } = {},
): WorldNetwork {
  const clock = acquireVirtualClock();
  const relay = new MemoryRelay(clock, {
    maxHttpBufferSize: opts.maxHttpBufferSize,
    ...(opts.socketEvents ? { socketEvents: opts.socketEvents } : {}),
  });
  return {
    name: "memory",
    relay,
    clock,
    socket: (userId, options) => new MemorySocket(relay, { userId, ...options }),
    release: () => releaseVirtualClock(clock),
  };
}

export async function createWorld(opts: WorldOptions): Promise<World> {
  const network: Network = opts.network ?? "socket.io";
  if (network === "memory") return createWorldOn(memoryNetwork(opts), opts);
  const relay = await startRelay({
    maxHttpBufferSize: opts.maxHttpBufferSize,
    ...(opts.socketEvents ? { socketEvents: opts.socketEvents } : {}),
  });
  return createWorldOn({ name: network, relay, clock: systemClock, socket: socketIo(relay.url) }, opts);
}
