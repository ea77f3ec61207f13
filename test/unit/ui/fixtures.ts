/** Fixed API data for the UI tests, and a translator over the real lang/en.json. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BridgeStatus, MetricsSnapshot, PeerInfo, Status } from "../../../src/contract/types";

/** The repository root (paths, not URLs: happy-dom replaces the global URL class). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const lang = JSON.parse(readFileSync(resolve(ROOT, "lang/en.json"), "utf8")) as object;

/** Foundry's game.i18n.format over lang/en.json; a missing key comes back as the key. */
export function localize(key: string, data?: object): string {
  let node: unknown = lang;
  for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  const text = typeof node === "string" ? node : key;
  const values = (data ?? {}) as Record<string, unknown>;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function fakeStatus(over: Partial<Status> = {}): Status {
  return {
    version: "1.2.3",
    protocol: 1,
    transport: "native",
    state: "connected",
    userId: "gm",
    session: "s1",
    connected: true,
    channels: ["socket-manager", "my-module"],
    pendingRequests: 2,
    outbox: 0,
    peers: 2,
    peersWithModule: 1,
    ...over,
  };
}

export function fakePeers(): PeerInfo[] {
  return [
    {
      userId: "p1",
      name: "Alice",
      role: 1,
      isGM: false,
      active: true,
      hasModule: true,
      moduleVersion: "1.2.3",
      protocol: 1,
      transport: "native",
      rttMs: 42.4,
      clockOffsetMs: -3.26,
    },
    { userId: "p2", name: "Bob", role: 2, isGM: false, active: true, hasModule: false },
    { userId: "p3", name: "Carol", role: 4, isGM: true, active: false, hasModule: false },
  ];
}

export function fakeMetrics(over: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    messagesSent: 120,
    messagesReceived: 340,
    framesSent: 40,
    framesReceived: 90,
    bytesOut: 10_240,
    bytesIn: 2048,
    envelopesPerFrame: 3.04,
    coalesced: 5,
    handlerErrors: 1,
    requestsSent: 7,
    requestsAnswered: 5,
    requestsFailed: 1,
    retries: 4,
    reconnections: 1,
    reconnectAttempts: 2,
    notForMe: 11,
    dropped: { duplicate: 3, "rate-limited": 9, expired: 3, schema: 0 },
    droppedTotal: 15,
    rttMs: { count: 60, min: 10, max: 80, mean: 30, p50: 25, p95: 70, p99: 79.6 },
    latencyMs: { count: 200, min: 1, max: 50, mean: 9, p50: 8.26, p95: 31, p99: 48 },
    rate: { in: 12.34, out: 0.5 },
    events: {},
    recentRtt: [20, 30, 25, 40],
    recentErrors: [
      { at: Date.UTC(2024, 0, 1, 12, 0, 0), message: "first error" },
      { at: Date.UTC(2024, 0, 1, 12, 0, 5), message: "second error" },
    ],
    outboxDepth: 6,
    at: Date.UTC(2024, 0, 1, 12, 1, 0),
    ...over,
  };
}

/** `api.bridge.status()` of a client whose bridge is off, with `patch` on top. */
export function fakeBridgeStatus(patch: Partial<BridgeStatus> = {}): BridgeStatus {
  return {
    state: "off",
    url: "",
    attempts: 0,
    queued: 0,
    handlers: [],
    framesIn: 0,
    framesOut: 0,
    eventsSent: 0,
    reconnectAttempts: 0,
    requests: {},
    dropped: {},
    ...patch,
  };
}
