/**
 * One simulated Foundry client in a browser frame (client.html?user=<id>): its own socket.io-client socket
 * to the relay, Foundry's globals and the ApplicationV2 shim installed on this frame's window, then the REAL
 * built module imported from /modules/socket-manager/socket-manager.js and Foundry's hooks booted, as in
 * Foundry. Exposes `window.sandbox` (world.ts: SandboxApi) for the control page and the browser tests, and
 * shows what arrives on the sandbox's channel.
 */

import type { Api, Channel, MessageContext, PeerTestResult, SharedState } from "../../../src/contract/types";
import type { NotifyLevel } from "../../../src/foundry/types";
import { createSimClient, type SimClient, type UserSpec } from "../../../test/harness/client";
import { installFoundryApplications } from "../../../test/harness/foundry-app";
import {
  type FoundryGlobalsHandle,
  installFoundryGlobals,
  type KeybindingRegistration,
} from "../../../test/harness/foundry-globals-core";
import { withTimeout } from "../../../test/harness/wait";
import {
  type FrameConfig,
  type FrameSnapshot,
  type Initiative,
  type LogEntry,
  type LogKind,
  type RollAnswer,
  SANDBOX_MODULE,
  type SandboxApi,
  UI_SELECTORS,
} from "../world";
import { createDemoDocuments, type FrameBridge, wireBridge } from "./frame-bridge";

const MODULE_URL = "/modules/socket-manager/";
const STEP_TIMEOUT = 10_000;
const MAX_LOG = 1_000;
const MAX_LOG_ROWS = 150;
const TOAST_MS = 6_000;
/** Flood messages from one sender closer together than this share one log line. */
const FLOOD_GAP_MS = 2_000;

const $ = <T extends HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`client.html lacks ${selector}`);
  return el;
};

const roleName = (role: number) =>
  role >= 4 ? "Gamemaster" : role === 3 ? "Assistant GM" : role === 2 ? "Trusted Player" : "Player";

const time = (at: number) => {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
};

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

// ---- state ----------------------------------------------------------------------------------------------

const userId = new URLSearchParams(location.search).get("user") ?? "";
let user: UserSpec = { id: userId, name: userId, role: 1 };
let client: SimClient | null = null;
let foundry: FoundryGlobalsHandle | null = null;
let moduleApi: Api | null = null;
let channel: Channel | null = null;
let initiative: SharedState<Initiative> | null = null;
let frameBridge: FrameBridge | null = null;
let ready = false;
let bootError: string | null = null;
let chats = 0;
let floodReceived = 0;
let requestsHandled = 0;
let emitted = 0;
const log: LogEntry[] = [];
const floodLines = new Map<string, { entry: LogEntry; last: number; count: number }>();

// ---- log and DOM ----------------------------------------------------------------------------------------

function addLog(kind: LogKind, text: string, extra: Partial<LogEntry> = {}): LogEntry {
  const entry: LogEntry = { at: Date.now(), kind, text, ...extra };
  log.push(entry);
  if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
  renderLogEntry(entry, true);
  return entry;
}

const TAGS: Record<LogKind, string> = {
  message: "chat",
  request: "req",
  answer: "reply",
  flood: "flood",
  state: "state",
  presence: "user",
  notice: "note",
  error: "error",
};

const rows = new WeakMap<LogEntry, HTMLLIElement>();

function renderLogEntry(entry: LogEntry, isNew: boolean): void {
  const list = document.getElementById("sandbox-log");
  if (!list) return;
  let li = rows.get(entry);
  if (!li) {
    li = document.createElement("li");
    rows.set(entry, li);
  }
  li.className = `log-${entry.kind}`;
  li.replaceChildren();
  const when = document.createElement("time");
  when.textContent = time(entry.at);
  const tag = document.createElement("b");
  tag.textContent = TAGS[entry.kind];
  const what = document.createElement("span");
  what.textContent = entry.text;
  li.append(when, tag, what);
  if (entry.latencyMs !== undefined) {
    const lat = document.createElement("small");
    lat.textContent = `${Math.round(entry.latencyMs)} ms`;
    li.append(lat);
  }
  if (isNew) list.prepend(li);
  while (list.children.length > MAX_LOG_ROWS) list.lastElementChild?.remove();
}

function toast(level: NotifyLevel, message: string): void {
  const box = document.getElementById("notifications");
  if (!box) return;
  const div = document.createElement("div");
  div.className = `notification ${level}`;
  div.textContent = message;
  box.append(div);
  setTimeout(() => div.remove(), TOAST_MS);
  addLog("notice", `notification (${level}): ${message}`);
}

function renderPlayers(): void {
  const list = document.getElementById("player-list");
  if (!list || !client) return;
  list.replaceChildren(
    ...client.users.contents.map((u) => {
      const li = document.createElement("li");
      li.className = `player ${u.active ? "active" : "inactive"}${u.isSelf ? " self" : ""}`;
      li.dataset.userId = u.id;
      const dot = document.createElement("span");
      dot.className = "player-active";
      const name = document.createElement("span");
      name.className = "player-name";
      name.textContent = `${u.name}${u.isGM ? " [GM]" : ""}${u.isSelf ? " (you)" : ""}`;
      li.append(dot, name);
      return li;
    }),
  );
}

function renderBar(): void {
  const state = document.getElementById("sandbox-state");
  if (!state) return;
  if (bootError) {
    state.textContent = "failed to boot";
    state.dataset.state = "error";
    return;
  }
  if (!moduleApi) return;
  const s = moduleApi.status();
  state.textContent = `${s.transport ?? "?"} · ${s.state} · ${s.peers} peer${s.peers === 1 ? "" : "s"}`;
  state.dataset.state = s.state;
}

// ---- the module's UI, as displayed ----------------------------------------------------------------------

function indicator(): FrameSnapshot["indicator"] {
  const el = document.querySelector<HTMLElement>(UI_SELECTORS.indicator);
  if (!el) return null;
  return { text: (el.textContent ?? "").replace(/\s+/g, " ").trim(), className: el.className };
}

function statusWindow(): HTMLElement | null {
  return document.querySelector<HTMLElement>(UI_SELECTORS.statusWindow);
}

type StatusCommand = (opts?: { window?: boolean }) => unknown;

async function openStatus(): Promise<boolean> {
  const command = (window as unknown as { socketStatus?: StatusCommand }).socketStatus;
  if (typeof command !== "function") throw new Error("window.socketStatus is not defined by the module");
  await command({ window: true });
  const deadline = Date.now() + 5_000;
  while (!statusWindow()) {
    if (Date.now() > deadline) throw new Error("the status window did not appear within 5 s");
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

async function closeStatus(): Promise<void> {
  const el = statusWindow();
  if (!el) return;
  const close = el.querySelector<HTMLElement>('[data-action="close"], .header-control.close, button.close');
  if (close) close.click();
  else el.remove();
}

// ---- Foundry's keybindings (the module registers one for its status window) -----------------------------

function matches(binding: KeybindingRegistration, event: KeyboardEvent): boolean {
  return binding.config.editable.some((k) => {
    if (k.key !== event.code) return false;
    const mods = new Set(k.modifiers ?? []);
    return (
      mods.has("Control") === (event.ctrlKey || event.metaKey) &&
      mods.has("Shift") === event.shiftKey &&
      mods.has("Alt") === event.altKey
    );
  });
}

function listenForKeybindings(handle: FoundryGlobalsHandle): void {
  document.addEventListener("keydown", (event) => {
    for (const binding of handle.keybindings) {
      if (!matches(binding, event)) continue;
      if (binding.config.restricted && !client?.user.isGM) continue;
      event.preventDefault();
      try {
        binding.config.onDown();
      } catch (e) {
        console.error(`keybinding ${binding.namespace}.${binding.action} failed`, e);
      }
    }
  });
}

// ---- the sandbox's own channel (how another module would use Socket Manager) ----------------------------

function senderName(ctx: MessageContext): string {
  return ctx.sender?.name ?? ctx.senderId;
}

function wireChannel(ch: Channel, self: UserSpec): void {
  ch.on("chat", (data, ctx) => {
    chats++;
    const text = (data as { text?: unknown } | null)?.text;
    addLog("message", `${senderName(ctx)}: ${typeof text === "string" ? text : JSON.stringify(data)}`, {
      from: ctx.senderId,
      event: ctx.event,
      data,
      latencyMs: ctx.latencyMs,
    });
  });

  ch.on("flood", (_data, ctx) => {
    floodReceived++;
    const now = Date.now();
    let line = floodLines.get(ctx.senderId);
    if (!line || now - line.last > FLOOD_GAP_MS) {
      line = {
        entry: addLog("flood", "", { from: ctx.senderId, event: "flood" }),
        last: now,
        count: 0,
      };
      floodLines.set(ctx.senderId, line);
    }
    line.count++;
    line.last = now;
    line.entry.text = `flood from ${senderName(ctx)}: ${line.count} message${line.count === 1 ? "" : "s"}`;
    line.entry.latencyMs = ctx.latencyMs;
    renderLogEntry(line.entry, false);
  });

  if (self.role >= 4) {
    ch.handle(
      "roll",
      (data, ctx) => {
        requestsHandled++;
        const n = Math.min(20, Math.max(1, Math.floor(Number((data as { dice?: unknown })?.dice) || 1)));
        const dice = Array.from({ length: n }, () => 1 + Math.floor(Math.random() * 6));
        const answer: RollAnswer = { dice, total: dice.reduce((a, b) => a + b, 0), rolledBy: self.name };
        addLog("request", `${senderName(ctx)} asked for ${n}d6 → ${dice.join("+")} = ${answer.total}`, {
          from: ctx.senderId,
          event: ctx.event,
          data,
          latencyMs: ctx.latencyMs,
        });
        return answer;
      },
      { permission: "player" },
    );
  }
}

const INITIAL_INITIATIVE: Initiative = {
  round: 1,
  turn: 0,
  combatants: ["Goblin archer", "Aria (Player One)", "Borin (Player Two)", "Goblin boss"],
};

/** The shared initiative: the GM holds it, every player may propose the next turn. */
function wireInitiative(ch: Channel): SharedState<Initiative> {
  const tracker = ch.shared<Initiative>("initiative", { initial: INITIAL_INITIATIVE, write: "player" });
  const render = () => {
    const { value, version, synced } = tracker;
    $("#shared-summary").textContent = synced
      ? `Round ${value.round} · version ${version}`
      : "waiting for the GM's state…";
    const list = $("#shared-combatants");
    list.replaceChildren(
      ...value.combatants.map((name, i) => {
        const li = document.createElement("li");
        li.textContent = name;
        if (i === value.turn) li.className = "current";
        return li;
      }),
    );
  };
  tracker.subscribe((value, change) => {
    render();
    addLog(
      "state",
      `initiative v${change.version}: round ${value.round}, ${value.combatants[value.turn]}'s turn`,
    );
  });
  render();
  return tracker;
}

function requireReady(): { api: Api; ch: Channel } {
  if (!moduleApi || !channel) throw new Error(bootError ?? "the client has not booted yet");
  return { api: moduleApi, ch: channel };
}

async function post(path: string): Promise<void> {
  const res = await fetch(path, { method: "POST" });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
}

const sandbox: SandboxApi = {
  get user() {
    return user;
  },
  get ready() {
    return ready;
  },
  get error() {
    return bootError;
  },
  log,
  api: () => moduleApi ?? undefined,
  async emit(text, to = "others") {
    const { ch } = requireReady();
    emitted++;
    const message = text ?? `Hello from ${user.name} #${emitted}`;
    const report = await ch.emit("chat", { text: message }, { to });
    const who = report.recipients.length === 0 ? "nobody connected" : report.recipients.join(", ");
    addLog("message", `sent "${message}" → ${who}${report.queued ? " (queued)" : ""}`, { from: user.id });
    return report;
  },
  async request(dice = 3) {
    const { ch } = requireReady();
    const t0 = performance.now();
    try {
      const answer = await ch.request<RollAnswer>("roll", { dice }, { timeout: 5_000 });
      const ms = performance.now() - t0;
      addLog("answer", `${answer.rolledBy} rolled ${answer.dice.join("+")} = ${answer.total}`, {
        latencyMs: ms,
        data: answer,
      });
      return answer;
    } catch (e) {
      addLog("error", `request failed: ${errorText(e)}`);
      throw e;
    }
  },
  async flood(n = 200) {
    const { ch } = requireReady();
    const count = Math.min(10_000, Math.max(1, Math.floor(n)));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => ch.emit("flood", { i, of: count })));
    const ms = Math.round(performance.now() - t0);
    addLog("flood", `sent a flood of ${count} messages in ${ms} ms`, { from: user.id });
    return { sent: count, ms };
  },
  async testPeers(): Promise<PeerTestResult[]> {
    const { api } = requireReady();
    const results = await api.test();
    addLog(
      "answer",
      results.length === 0
        ? "test: no peers"
        : `test: ${results
            .map((r) => `${r.name} ${r.ok ? `${Math.round(r.rttMs ?? 0)} ms` : (r.error ?? "failed")}`)
            .join(", ")}`,
    );
    return results;
  },
  async disconnect() {
    await post(`/api/net/cut?user=${encodeURIComponent(user.id)}`);
    addLog("state", "network cable cut");
  },
  async reconnect() {
    await post(`/api/net/restore?user=${encodeURIComponent(user.id)}`);
    addLog("state", "network cable restored");
  },
  async nextTurn() {
    if (!initiative) throw new Error(bootError ?? "the client has not booted yet");
    try {
      return await initiative.update((draft) => {
        draft.turn = (draft.turn + 1) % draft.combatants.length;
        if (draft.turn === 0) draft.round++;
      });
    } catch (e) {
      addLog("error", `next turn refused: ${errorText(e)}`);
      throw e;
    }
  },
  openStatus,
  closeStatus,
  snapshot(): FrameSnapshot {
    const status = moduleApi?.status();
    const peers = moduleApi?.peers() ?? [];
    return {
      userId: user.id,
      ready,
      error: bootError,
      state: status?.state ?? null,
      transport: status?.transport ?? null,
      peers: status?.peers ?? 0,
      peerRtts: Object.fromEntries(peers.map((p) => [p.userId, p.rttMs ?? null])),
      chats,
      floodReceived,
      requestsHandled,
      notifications: client?.notifications.map((n) => `${n.level}: ${n.message}`) ?? [],
      indicator: indicator(),
      statusWindowOpen: statusWindow() !== null,
      initiative: initiative
        ? {
            version: initiative.version,
            round: initiative.value.round,
            turn: initiative.value.turn,
            synced: initiative.synced,
          }
        : null,
      bridge: frameBridge?.snapshot() ?? null,
    };
  },
};
window.sandbox = sandbox;

// ---- boot -----------------------------------------------------------------------------------------------

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function boot(): Promise<void> {
  if (!userId) throw new Error("client.html needs ?user=<id>");
  const config = await getJson<FrameConfig>(`/api/config?user=${encodeURIComponent(userId)}`);
  user = config.user;
  document.title = `${user.name} · Socket Manager sandbox`;
  $("#sandbox-user").textContent = user.name;
  $("#sandbox-role").textContent = roleName(user.role);
  document.body.dataset.userId = user.id;
  const lang = await getJson<Record<string, unknown>>(`${MODULE_URL}lang/en.json`);

  client = await createSimClient({
    url: config.relayUrl,
    user: config.user,
    users: config.users,
    connectTimeout: STEP_TIMEOUT,
  });
  const documents = config.documents ? createDemoDocuments() : null;
  const handle = installFoundryGlobals(client, {
    lang,
    settings: config.settings,
    onNotify: toast,
    ...(documents ? { documents } : {}),
  });
  foundry = handle;
  // Foundry's ApplicationV2 (the status window's base), before the module is imported.
  installFoundryApplications(globalThis, {
    async loadTemplate(path) {
      const res = await fetch(new URL(path.replace(/^\/+/, ""), `${location.origin}/`));
      if (!res.ok) throw new Error(`template ${path}: ${res.status}`);
      return res.text();
    },
    localize: (key, data) =>
      data ? handle.game.i18n.format(key, data as Record<string, unknown>) : handle.game.i18n.localize(key),
  });

  // After the globals (the module captures Hooks at top level), before boot: like Foundry's <script> tags.
  const bundleUrl = new URL(`${MODULE_URL}socket-manager.js`, location.origin).href;
  await withTimeout(import(/* @vite-ignore */ bundleUrl), STEP_TIMEOUT, "importing the module");
  await withTimeout(handle.boot(), STEP_TIMEOUT, "booting Foundry's hooks");
  const api = handle.api();
  if (!api) throw new Error('game.modules.get("socket-manager").api was not set during init');
  await withTimeout(api.whenReady(), STEP_TIMEOUT, "api.whenReady()");
  moduleApi = api;
  channel = api.channel(SANDBOX_MODULE);
  wireChannel(channel, user);
  initiative = wireInitiative(channel);
  frameBridge = wireBridge(api, documents, (kind, text) => void addLog(kind, text));
  listenForKeybindings(handle);

  api.onStateChange((state, transport) => {
    addLog("state", `Socket Manager: ${state} (${transport ?? "no transport"})`);
    renderBar();
  });
  client.hooks.on("userConnected", ((u: { name: string }, connected: boolean) => {
    addLog("presence", `${u.name} ${connected ? "joined" : "left"}`);
    renderPlayers();
  }) as (...args: never[]) => unknown);
  client.socket.on("connect", renderPlayers);
  client.socket.on("disconnect", renderPlayers);
  setInterval(() => {
    renderBar();
    renderPlayers();
  }, 1_000);

  renderPlayers();
  renderBar();
  addLog("state", `booted the module ${api.version} · ${api.transport} · ${api.state}`);
  ready = true;
  document.body.dataset.ready = "true";
}

boot().catch((e: unknown) => {
  bootError = errorText(e);
  console.error("sandbox client failed to boot", e);
  const box = document.getElementById("sandbox-error");
  if (box) {
    box.hidden = false;
    box.textContent = `This client failed to boot: ${bootError}`;
  }
  renderBar();
  document.body.dataset.ready = "error";
});

// Kept for debugging from the frame's console.
Object.assign(window, {
  sandboxInternals: {
    get client() {
      return client;
    },
    get foundry() {
      return foundry;
    },
  },
});
