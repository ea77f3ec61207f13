/**
 * 3. Fan-out: one sender, 20 receivers (every client in this process, the relay in its own), raw
 * one-message-per-emit vs Socket Manager on both network transports. Deliveries = messages × receivers.
 */
import type { SimClient, UserSpec } from "../test/harness/client";
import type { Peer } from "../test/harness/managers";
import {
  CHANNEL,
  Counter,
  closeAll,
  connectClients,
  EVENT,
  type Failure,
  failure,
  log,
  makePayload,
  rotate,
  type SendPattern,
  sendAll,
  settleBetweenRuns,
  startPeers,
  UNLIMITED,
} from "./common";
import type { RelayHost } from "./relay-control";
import { median, round } from "./stats";

export const RECEIVERS = 20;

function fanoutUsers(): UserSpec[] {
  const users: UserSpec[] = [{ id: "gm", name: "GM", role: 4 }];
  for (let i = 1; i <= RECEIVERS; i++) {
    const id = `r${String(i).padStart(2, "0")}`;
    users.push({ id, name: `Receiver ${i}`, role: 1 });
  }
  return users;
}

type Name = "raw" | "native" | "socketlib";

interface Contender {
  name: Name;
  relay: string;
  counter: Counter;
  send(i: number): void;
  close(): void;
}

export interface FanoutRun {
  ms: number;
  deliveriesPerSecond: number;
  framesRelayed: number;
  relayCpuMs: number;
}

export interface FanoutResult {
  receivers: number;
  messages: number;
  pattern: SendPattern;
  repetitions: number;
  deliveriesPerSecond: Record<Name, number>;
  /** Median CPU the relay process spent per run (ms): the server's share of the work. */
  relayCpuMs: Record<Name, number>;
  ratioToRaw: { native: number; socketlib: number };
  runs: Record<Name, (FanoutRun | Failure)[]>;
}

async function contender(host: RelayHost, name: Name): Promise<Contender> {
  const relay = `fan-${name}`;
  const url = await host.start(relay);
  const users = fanoutUsers();
  const clients = await connectClients(url, users, { socketlib: name === "socketlib" });
  const counter = new Counter();
  const [sender, ...receivers] = clients as [SimClient, ...SimClient[]];
  if (name === "raw") {
    for (const r of receivers) r.socket.on(EVENT, () => counter.hit());
    return {
      name,
      relay,
      counter,
      send: (i) => {
        sender.socket.emit(EVENT, makePayload(i));
      },
      close: () => closeAll(clients),
    };
  }
  const peers = await startPeers(clients, UNLIMITED);
  const [senderPeer, ...receiverPeers] = peers as [Peer, ...Peer[]];
  for (const p of receiverPeers) p.api.channel(CHANNEL).on("move", () => counter.hit());
  const channel = senderPeer.api.channel(CHANNEL);
  return {
    name,
    relay,
    counter,
    send: (i) => {
      void channel.emit("move", makePayload(i));
    },
    close: () => closeAll(clients, peers),
  };
}

export async function benchFanout(
  host: RelayHost,
  opts: { messages: number; repetitions: number; warmup: number; timeoutMs: number; pattern: SendPattern },
): Promise<FanoutResult> {
  const contenders: Contender[] = [];
  try {
    for (const name of ["raw", "native", "socketlib"] as const) contenders.push(await contender(host, name));
    const once = async (c: Contender, n: number): Promise<FanoutRun> => {
      await host.reset(c.relay);
      c.counter.arm(n * RECEIVERS);
      const t0 = performance.now();
      await sendAll(n, opts.pattern, (i) => c.send(i));
      const done = await c.counter.wait(opts.timeoutMs, `fan-out ${c.name}`);
      const stats = await host.stats(c.relay);
      const ms = done - t0;
      return {
        ms: round(ms),
        deliveriesPerSecond: Math.round(((n * RECEIVERS) / ms) * 1000),
        framesRelayed: stats.framesRelayed,
        relayCpuMs: round(stats.cpuMs),
      };
    };
    for (const c of contenders) {
      log(`fan-out: warm-up ${c.name}`);
      await once(c, opts.warmup);
    }
    const runs: Record<Name, (FanoutRun | Failure)[]> = { raw: [], native: [], socketlib: [] };
    for (let rep = 0; rep < opts.repetitions; rep++) {
      for (const c of rotate(contenders, rep)) {
        try {
          const r = await once(c, opts.messages);
          runs[c.name].push(r);
          log(
            `fan-out ${rep + 1}/${opts.repetitions} ${c.name.padEnd(9)} ` +
              `${r.deliveriesPerSecond.toLocaleString("en-US")} deliveries/s (${r.ms} ms)`,
          );
        } catch (e) {
          runs[c.name].push(failure(e));
          log(`fan-out ${rep + 1}/${opts.repetitions} ${c.name} FAILED: ${failure(e).error}`);
        }
        await settleBetweenRuns();
      }
    }
    const ok = (r: FanoutRun | Failure): r is FanoutRun => !("error" in r);
    const relayCpu = (name: Name) => round(median(runs[name].filter(ok).map((r) => r.relayCpuMs)));
    const rate = (name: Name) => median(runs[name].filter(ok).map((r) => r.deliveriesPerSecond));
    const ratio = (name: Name) => {
      const ratios: number[] = [];
      runs[name].forEach((r, i) => {
        const raw = runs.raw[i];
        if (raw && ok(raw) && ok(r)) ratios.push(r.deliveriesPerSecond / raw.deliveriesPerSecond);
      });
      return round(median(ratios));
    };
    return {
      receivers: RECEIVERS,
      messages: opts.messages,
      pattern: opts.pattern,
      repetitions: opts.repetitions,
      deliveriesPerSecond: { raw: rate("raw"), native: rate("native"), socketlib: rate("socketlib") },
      relayCpuMs: { raw: relayCpu("raw"), native: relayCpu("native"), socketlib: relayCpu("socketlib") },
      ratioToRaw: { native: ratio("native"), socketlib: ratio("socketlib") },
      runs,
    };
  } finally {
    for (const c of contenders) c.close();
  }
}
