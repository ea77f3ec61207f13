/** The console commands (`socketStatus()` …): each prints a readable group and returns its data. */
import type {
  Api,
  BridgeStatus,
  EventInfo,
  MetricsSnapshot,
  PeerInfo,
  PeerTestResult,
  SharedInfo,
  Status,
} from "../contract/types";

export type CommandsApi = Pick<Api, "status" | "metrics" | "peers" | "events" | "test" | "shared" | "bridge">;
export type CommandsConsole = Pick<Console, "group" | "groupEnd" | "table">;

export interface ConsoleCommands {
  /** `{ window: true }` also opens the status window. */
  socketStatus(opts?: { window?: boolean }): {
    status: Status;
    peers: PeerInfo[];
    activeEvents: number;
    shared: SharedInfo[];
    bridge: BridgeStatus;
  };
  socketMetrics(): MetricsSnapshot;
  socketEvents(): EventInfo[];
  /** A round trip to every connected peer, with a table of RTT per user. */
  socketTest(opts?: { timeout?: number }): Promise<PeerTestResult[]>;
}

export function createConsoleCommands(
  api: CommandsApi,
  { console: out, openWindow }: { console: CommandsConsole; openWindow: () => void },
): ConsoleCommands {
  const group = (title: string, ...tables: unknown[]) => {
    out.group(`Socket Manager | ${title}`);
    for (const data of tables) out.table(data);
    out.groupEnd();
  };
  return {
    socketStatus(opts = {}) {
      const status = api.status();
      const peers = api.peers();
      // Events with at least one handler or a responder on this client.
      const activeEvents = api.events().filter((e) => e.handlers > 0 || e.responder).length;
      const shared = api.shared();
      const bridge = api.bridge.status();
      const title = `status: ${status.state}, ${status.transport ?? "no transport"}, ${activeEvents} active events, bridge ${bridge.state}`;
      const bridgeLine = { state: bridge.state, url: bridge.url, rttMs: bridge.rttMs, queued: bridge.queued };
      group(title, { ...status, activeEvents }, peers, shared, bridgeLine);
      if (opts.window) openWindow();
      return { status, peers, activeEvents, shared, bridge };
    },
    socketMetrics() {
      const metrics = api.metrics();
      const { dropped, rttMs, latencyMs, rate, events, recentRtt, recentErrors, ...counters } = metrics;
      group(
        `metrics at ${new Date(metrics.at).toISOString()}`,
        { ...counters, rateIn: rate.in, rateOut: rate.out, lastUpdate: new Date(metrics.at).toISOString() },
        dropped,
        { rttMs, latencyMs },
        recentErrors,
      );
      return metrics;
    },
    socketEvents() {
      const events = api.events();
      group("events", events);
      return events;
    },
    async socketTest(opts) {
      const results = await api.test(opts);
      group("round trip per user", results);
      return results;
    },
  };
}
