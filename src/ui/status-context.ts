/** Pure: turns what the API reports into exactly the data templates/status.hbs shows. */
import type {
  BridgeStatus,
  HistogramSnapshot,
  MetricsSnapshot,
  PeerInfo,
  SharedInfo,
  Status,
} from "../contract/types";
import { BRIDGE_STATES, type Localize, STATES } from "./states";

export type { Localize } from "./states";

export interface StatusData {
  status: Status;
  metrics: MetricsSnapshot;
  peers: PeerInfo[];
  /** `api.shared()`; absent means none. */
  shared?: SharedInfo[];
  /** `api.bridge.status()`; absent or "off" hides the bridge's line. */
  bridge?: BridgeStatus;
}

const TRANSPORTS: Record<string, string> = {
  socketlib: "SOCKET_MANAGER.Transport.Socketlib",
  native: "SOCKET_MANAGER.Transport.Native",
  local: "SOCKET_MANAGER.Transport.Local",
};

/** Indexed by Foundry's user role (0 none … 4 game master). */
const ROLES = [
  "SOCKET_MANAGER.Role.None",
  "SOCKET_MANAGER.Role.Player",
  "SOCKET_MANAGER.Role.Trusted",
  "SOCKET_MANAGER.Role.Assistant",
  "SOCKET_MANAGER.Role.Gamemaster",
];

export const SPARK_WIDTH = 240;
export const SPARK_HEIGHT = 40;
/** Newest errors shown. */
export const ERRORS_SHOWN = 10;
const NONE = "—";

/**
 * SVG polyline points ("x,y x,y …") for `values` in a width × height box, oldest on the left, higher
 * values higher up, 1 px of padding top and bottom. Empty input gives ""; a single or flat series is a
 * level line through the middle.
 */
export function sparkline(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return "";
  const series = values.length === 1 ? [values[0]!, values[0]!] : values;
  const lo = Math.min(...series);
  const span = Math.max(...series) - lo;
  const step = width / (series.length - 1);
  const r = (n: number) => Math.round(n * 10) / 10;
  return series
    .map((v, i) => `${r(i * step)},${r(span === 0 ? height / 2 : 1 + (1 - (v - lo) / span) * (height - 2))}`)
    .join(" ");
}

/** One decimal below 10, whole numbers above. */
const num = (n: number) => String(Math.abs(n) < 10 ? Math.round(n * 10) / 10 : Math.round(n));

/** Clock time of a timestamp (local time, HH:MM:SS). */
export const clockTime = (at: number) => new Date(at).toTimeString().slice(0, 8);

export function buildStatusContext(
  { status, metrics, peers, shared = [], bridge }: StatusData,
  localize: Localize,
) {
  const ms = (n: number | undefined, sign = "") =>
    n === undefined || !Number.isFinite(n)
      ? NONE
      : localize("SOCKET_MANAGER.Unit.Ms", { value: (n > 0 ? sign : "") + num(n) });
  const kb = (n: number) => localize("SOCKET_MANAGER.Unit.KB", { value: num(n / 1024) });
  const perSecond = (n: number) => localize("SOCKET_MANAGER.Unit.PerSecond", { value: num(n) });
  const hist = (h: HistogramSnapshot | null) =>
    h?.count ? { count: String(h.count), p50: ms(h.p50), p95: ms(h.p95), p99: ms(h.p99) } : null;
  const [stateClass, stateKey] = STATES[status.state];
  const recent = metrics.recentRtt;
  return {
    state: localize(stateKey),
    stateClass,
    transport: status.transport ? localize(TRANSPORTS[status.transport] ?? status.transport) : NONE,
    version: status.version,
    protocol: status.protocol,
    channels: status.channels.join(", ") || NONE,
    peers: peers
      .filter((p) => p.active)
      .map((p) => ({
        name: p.name,
        role: localize(ROLES[p.role] ?? ROLES[0]!),
        hasModule: p.hasModule,
        version: p.hasModule ? (p.moduleVersion ?? NONE) : localize("SOCKET_MANAGER.Status.NoModule"),
        mismatch: p.protocol !== undefined && p.protocol !== status.protocol,
        rtt: ms(p.rttMs),
        offset: ms(p.clockOffsetMs, "+"),
      })),
    // Whole counts show as they are; the rest is formatted.
    counters: {
      ...metrics,
      bytesOut: kb(metrics.bytesOut),
      bytesIn: kb(metrics.bytesIn),
      envelopesPerFrame: num(metrics.envelopesPerFrame),
      rateIn: perSecond(metrics.rate.in),
      rateOut: perSecond(metrics.rate.out),
      pendingRequests: status.pendingRequests,
    },
    drops: Object.entries(metrics.dropped)
      .filter(([, n]) => n > 0)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .map(([reason, n]) => ({ reason, count: String(n) })),
    monitoring: metrics.rttMs !== null,
    rtt: hist(metrics.rttMs),
    latency: hist(metrics.latencyMs),
    sparkline: recent.length
      ? {
          width: SPARK_WIDTH,
          height: SPARK_HEIGHT,
          points: sparkline(recent, SPARK_WIDTH, SPARK_HEIGHT),
          min: ms(Math.min(...recent)),
          max: ms(Math.max(...recent)),
          last: ms(recent.at(-1)),
        }
      : null,
    shared: shared.map((h) => ({
      name: `${h.moduleId} / ${h.key}`,
      version: String(h.version),
      size: kb(h.bytes),
      role: localize(
        h.authority ? "SOCKET_MANAGER.Status.SharedAuthority" : "SOCKET_MANAGER.Status.SharedReplica",
      ),
      synced: h.synced,
    })),
    bridge:
      bridge && bridge.state !== "off"
        ? {
            state: localize(BRIDGE_STATES[bridge.state]),
            live: bridge.state === "connected",
            url: bridge.url,
            rtt: ms(bridge.rttMs),
            requests: String(
              Object.values(bridge.requests).reduce((sum, byOutcome) => sum + (byOutcome.ok ?? 0), 0),
            ),
            queued: String(bridge.queued),
          }
        : null,
    errors: metrics.recentErrors
      .slice(-ERRORS_SHOWN)
      .reverse()
      .map((e) => ({ time: clockTime(e.at), message: e.message })),
  };
}

export type StatusContext = ReturnType<typeof buildStatusContext>;
