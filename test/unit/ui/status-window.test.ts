// @vitest-environment happy-dom
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type {
  Api,
  BridgeStatus,
  ConnectionState,
  MetricsSnapshot,
  PeerInfo,
  SharedInfo,
  Status,
} from "../../../src/contract/types";
import type { FoundryApplicationsApi } from "../../../src/foundry/applications";
import { createStatusWindowClass, REFRESH_MS, type StatusApi } from "../../../src/ui/status-window";
import { installFoundryApplications, STATUS_TEMPLATE_PATH } from "../../harness/foundry-app";
import { fakeBridgeStatus, fakeMetrics, fakePeers, fakeStatus, localize, ROOT } from "./fixtures";

const loaded: string[] = [];

beforeAll(() => {
  installFoundryApplications(window, {
    loadTemplate: async (path) => {
      loaded.push(path);
      return readFileSync(resolve(ROOT, path.replace(/^modules\/socket-manager\//, "")), "utf8");
    },
    localize,
  });
});

function fakeApi() {
  const data: {
    status: Status;
    metrics: MetricsSnapshot;
    peers: PeerInfo[];
    shared: SharedInfo[];
    bridge: BridgeStatus;
  } = {
    status: fakeStatus(),
    metrics: fakeMetrics(),
    peers: fakePeers(),
    shared: [],
    bridge: fakeBridgeStatus(),
  };
  const listeners = new Set<(state: ConnectionState) => void>();
  const off = vi.fn();
  const api = {
    status: vi.fn(() => data.status),
    metrics: vi.fn(() => data.metrics),
    peers: vi.fn(() => data.peers),
    shared: vi.fn(() => data.shared),
    bridge: { status: () => data.bridge } as unknown as Api["bridge"],
    onStateChange: vi.fn((fn: (state: ConnectionState) => void) => {
      listeners.add(fn);
      return () => {
        off();
        listeners.delete(fn);
      };
    }),
  } satisfies StatusApi;
  const emit = (state: ConnectionState) => {
    for (const fn of listeners) fn(state);
  };
  return { api, data, listeners, off, emit };
}

const foundryApi = () =>
  (window as unknown as { foundry: { applications: { api: FoundryApplicationsApi } } }).foundry.applications
    .api;

function setup() {
  const fake = fakeApi();
  const StatusWindow = createStatusWindowClass(foundryApi(), () => fake.api, localize);
  return { ...fake, StatusWindow };
}

const root = () => document.getElementById("socket-manager-status");
const clean = (e: Element) => e.textContent?.replace(/\s+/g, " ").trim() ?? "";
/** Text of each match; a table row's cells are joined with one space. */
const text = (selector: string) =>
  [...(root()?.querySelectorAll(selector) ?? [])].map((e) =>
    e.tagName === "TR" ? [...e.children].map(clean).join(" ") : clean(e),
  );

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  vi.useRealTimers();
  document.body.innerHTML = "";
});

describe("status window", () => {
  it("opens as an ApplicationV2 window with the localized title and the status template", async () => {
    const { StatusWindow } = setup();
    const app = new StatusWindow();
    expect(app.rendered).toBe(false);
    await app.render(true);
    expect(app.rendered).toBe(true);
    const el = root();
    expect(el).not.toBeNull();
    expect(app.element).toBe(el);
    expect(el?.classList.contains("application")).toBe(true);
    expect(el?.classList.contains("socket-manager")).toBe(true);
    expect(el?.style.width).toBe("560px");
    expect(el?.querySelector(".window-title")?.textContent).toBe("Socket Manager status");
    expect(el?.querySelector(".window-content [data-application-part='main'].sm-status")).not.toBeNull();
    expect(loaded).toContain(STATUS_TEMPLATE_PATH);
    // Every label went through localize and exists in lang/en.json.
    expect(el?.innerHTML).not.toContain("SOCKET_MANAGER");
    await app.close();
  });

  it("shows state, transport, peers with RTT and clock offset, drops, p50/p95/p99, a sparkline and errors", async () => {
    const { StatusWindow } = setup();
    const app = new StatusWindow();
    await app.render(true);
    expect(text(".sm-state")).toEqual(["Live"]);
    expect(root()?.querySelector(".sm-summary")?.textContent).toContain("Foundry socket");
    expect(text(".sm-peers tbody tr")).toEqual([
      "Alice Player 1.2.3 42 ms -3.3 ms",
      "Bob Trusted player not detected — —",
    ]);
    expect(text(".sm-drops tbody tr")).toEqual(["rate-limited 9", "duplicate 3", "expired 3"]);
    expect(text(".sm-latency .sm-rtt")).toEqual(["Round trip 25 ms 70 ms 80 ms 60"]);
    expect(text(".sm-latency .sm-oneway")).toEqual(["One way 8.3 ms 31 ms 48 ms 200"]);
    expect(text(".sm-latency thead th")).toEqual(["", "p50", "p95", "p99", "Samples"]);
    const polyline = root()?.querySelector("svg polyline");
    expect(polyline?.getAttribute("points")).toBe("0,39 80,20 160,29.5 240,1");
    expect(root()?.querySelector("svg")?.getAttribute("viewBox")).toBe("0 0 240 40");
    expect(text(".sm-errors li").map((t) => t?.replace(/^\S+ /, ""))).toEqual([
      "second error",
      "first error",
    ]);
    expect(root()?.querySelector(".sm-counters")?.textContent).toContain("10 KB");
    await app.close();
  });

  it("lists shared states and the bridge's line when there are any; neither when there are none", async () => {
    const { StatusWindow, data } = setup();
    const app = new StatusWindow();
    await app.render(true);
    expect(root()?.querySelector(".sm-shared")).toBeNull();
    expect(root()?.querySelector(".sm-bridge")).toBeNull();
    await app.close();
    data.shared = [
      {
        moduleId: "tracker",
        key: "initiative",
        version: 12,
        bytes: 2048,
        subscribers: 1,
        authority: true,
        synced: true,
        persist: true,
        resyncs: 0,
      },
    ];
    data.bridge = {
      ...data.bridge,
      state: "connected",
      url: "wss://backend.example/foundry",
      rttMs: 14,
      queued: 3,
      requests: { "actor-names": { ok: 5, NO_HANDLER: 1 }, sum: { ok: 2 } },
    };
    const again = new StatusWindow();
    await again.render(true);
    expect(text(".sm-shared tbody tr")).toEqual(["tracker / initiative Holder (GM) 12 2 KB"]);
    const bridge = root()?.querySelector(".sm-bridge")?.textContent?.replace(/\s+/g, " ") ?? "";
    expect(bridge).toContain("wss://backend.example/foundry");
    expect(bridge).toContain("14 ms");
    expect(bridge).toContain("7 · events waiting 3");
    await again.close();
  });

  it("says so when there are no peers, no drops, no errors and monitoring is off", async () => {
    const { StatusWindow, data } = setup();
    data.peers = [];
    data.metrics = fakeMetrics({
      dropped: {},
      recentErrors: [],
      rttMs: null,
      latencyMs: null,
      recentRtt: [],
    });
    const app = new StatusWindow();
    await app.render(true);
    const content = root()?.textContent ?? "";
    expect(content).toContain("No other user is connected.");
    expect(content).toContain("Nothing dropped.");
    expect(content).toContain("No errors.");
    expect(content).toContain("Latency monitoring is off");
    expect(root()?.querySelector("svg")).toBeNull();
    await app.close();
  });

  it("re-renders every second while open, and on a state change", async () => {
    const { StatusWindow, data, api, emit } = setup();
    const app = new StatusWindow();
    await app.render(true);
    const element = app.element;
    expect(api.status).toHaveBeenCalledTimes(1);
    data.peers = [{ ...fakePeers()[0]!, rttMs: 99 }];
    await vi.advanceTimersByTimeAsync(REFRESH_MS - 1);
    expect(text(".sm-peers tbody tr")[0]).toContain("42 ms");
    await vi.advanceTimersByTimeAsync(1);
    expect(text(".sm-peers tbody tr")).toEqual(["Alice Player 1.2.3 99 ms -3.3 ms"]);
    expect(api.status).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(REFRESH_MS * 3);
    expect(api.status).toHaveBeenCalledTimes(5);
    // The frame is kept; only the part is replaced.
    expect(app.element).toBe(element);
    expect(document.querySelectorAll("#socket-manager-status")).toHaveLength(1);

    data.status = fakeStatus({ state: "reconnecting" });
    emit("reconnecting");
    await vi.advanceTimersByTimeAsync(0);
    expect(text(".sm-state")).toEqual(["Reconnecting"]);
    expect(api.onStateChange).toHaveBeenCalledTimes(1);
    await app.close();
  });

  it("a refresh keeps where the reader scrolled to (the window's content and the errors list)", async () => {
    const { StatusWindow, data } = setup();
    data.metrics = fakeMetrics({
      recentErrors: Array.from({ length: 20 }, (_, i) => ({ at: 1_000 + i, message: `error ${i}` })),
    });
    const app = new StatusWindow();
    await app.render(true);
    const errorsList = () => root()?.querySelector<HTMLElement>(".sm-errors");
    const content = () => root()?.querySelector<HTMLElement>(".window-content");
    expect(errorsList()).toBeTruthy();
    errorsList()!.scrollTop = 57;
    content()!.scrollTop = 120;
    const before = errorsList();
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    // The list was rebuilt (a new element), yet it is where the reader left it.
    expect(errorsList()).not.toBe(before);
    expect(errorsList()!.scrollTop).toBe(57);
    expect(content()!.scrollTop).toBe(120);
    await app.close();
  });

  it("stops refreshing and unsubscribes when closed", async () => {
    const { StatusWindow, api, off, listeners } = setup();
    const app = new StatusWindow();
    await app.render(true);
    expect(listeners.size).toBe(1);
    await app.close();
    expect(app.rendered).toBe(false);
    expect(root()).toBeNull();
    expect(off).toHaveBeenCalledTimes(1);
    expect(listeners.size).toBe(0);
    const calls = api.status.mock.calls.length;
    await vi.advanceTimersByTimeAsync(REFRESH_MS * 5);
    expect(api.status).toHaveBeenCalledTimes(calls);
    expect(vi.getTimerCount()).toBe(0);
    // A refresh without force does not reopen a closed window.
    await app.render();
    expect(root()).toBeNull();
  });

  it("closes from its header button, and opens again afterwards", async () => {
    const { StatusWindow, api } = setup();
    const app = new StatusWindow();
    await app.render(true);
    root()?.querySelector<HTMLElement>("[data-action='close']")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect(root()).toBeNull();
    await app.render(true);
    expect(root()).not.toBeNull();
    expect(api.onStateChange).toHaveBeenCalledTimes(2);
    await app.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps one window: a second instance (the settings menu makes one per click) renders the open one", async () => {
    const { StatusWindow, api } = setup();
    const first = new StatusWindow();
    await first.render(true);
    const second = new StatusWindow();
    await second.render(true);
    expect(document.querySelectorAll("#socket-manager-status")).toHaveLength(1);
    expect(second.rendered).toBe(false);
    expect(api.onStateChange).toHaveBeenCalledTimes(1);
    await first.close();
    await second.render(true);
    expect(second.rendered).toBe(true);
    await second.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
