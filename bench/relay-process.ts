/**
 * The Foundry-server stand-in for the benchmark, run in its own process (forked by bench/relay-control.ts with
 * `--import tsx`), so that relaying competes with the clients for the machine's cores as a real server would
 * not share their event loop. It hosts any number of independent relays (one per contender, so that one
 * contender's broadcast traffic never reaches another's clients) and answers requests over IPC.
 */
import { type Sandbox, startSandbox } from "../demo/sandbox/server";
import { type Relay, startRelay } from "../test/harness/relay";

export type RelayRequest =
  | { id: number; cmd: "start"; name: string }
  | { id: number; cmd: "reset"; name: string }
  | { id: number; cmd: "stats"; name: string }
  | { id: number; cmd: "cpu" }
  | { id: number; cmd: "sandbox" }
  | { id: number; cmd: "stop" };

export interface RelayStats {
  framesRelayed: number;
  bytesRelayed: number;
  largestFrameBytes: number;
  /** CPU time of the whole relay process since the last reset of this relay (ms). */
  cpuMs: number;
}

export type RelayReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Never outlive a stuck parent. */
const MAX_LIFETIME_MS = 15 * 60_000;

const relays = new Map<string, Relay>();
let sandbox: Sandbox | null = null;
/**
 * socket.io's default heartbeat for the sandbox's relay: a client flooding its socket has its pong queued
 * behind its own backlog, and the test harness's 5 s timeout would drop it mid-run.
 */
const SOCKET_IO_HEARTBEAT = { pingInterval: 25_000, pingTimeout: 20_000 };
const cpuAtReset = new Map<string, NodeJS.CpuUsage>();

function cpuMsSince(start: NodeJS.CpuUsage | undefined): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function relayNamed(name: string): Relay {
  const relay = relays.get(name);
  if (!relay) throw new Error(`no relay named "${name}"`);
  return relay;
}

async function handle(req: RelayRequest): Promise<unknown> {
  switch (req.cmd) {
    case "start": {
      if (relays.has(req.name)) throw new Error(`relay "${req.name}" already exists`);
      const relay = await startRelay();
      relays.set(req.name, relay);
      cpuAtReset.set(req.name, process.cpuUsage());
      return { url: relay.url, port: relay.port };
    }
    case "reset": {
      relayNamed(req.name).resetStats();
      cpuAtReset.set(req.name, process.cpuUsage());
      return null;
    }
    case "stats": {
      const relay = relayNamed(req.name);
      const stats: RelayStats = {
        framesRelayed: relay.framesRelayed,
        bytesRelayed: relay.bytesRelayed,
        largestFrameBytes: relay.largestFrameBytes,
        cpuMs: cpuMsSince(cpuAtReset.get(req.name)),
      };
      return stats;
    }
    case "cpu":
      return cpuMsSince(undefined);
    case "sandbox": {
      sandbox ??= await startSandbox({ relay: { heartbeat: SOCKET_IO_HEARTBEAT } });
      return { url: sandbox.url };
    }
    case "stop": {
      await Promise.all([...relays.values()].map((r) => r.stop()));
      await sandbox?.close();
      relays.clear();
      setImmediate(() => process.exit(0));
      return null;
    }
  }
}

if (!process.send) {
  console.error("bench/relay-process.ts must be forked with an IPC channel");
  process.exit(2);
}

process.on("message", (msg: RelayRequest) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result } satisfies RelayReply),
    (err: unknown) =>
      process.send?.({
        id: msg.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies RelayReply),
  );
});
// The parent went away (crash, Ctrl-C): close everything.
process.on("disconnect", () => process.exit(0));
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
process.send({ id: 0, ok: true, result: "ready" } satisfies RelayReply);
