/**
 * The control page's "Backend" panel (only with `npm run demo:bridge`, when GET /api/backend answers): the GM
 * frame's bridge as its `api.bridge.status()` shows it, the backend process, its log, and the buttons that
 * create an actor from the backend, stop it and start it again. Text only: nothing the backend or a frame
 * sends is parsed as markup.
 */
import type { BackendInfo, CreateActorOutcome, SandboxApi } from "../world";

const POLL_MS = 250;
const MAX_ROWS = 50;

const el = (id: string) => document.getElementById(id);

function setText(id: string, text: string): void {
  const node = el(id);
  if (node && node.textContent !== text) node.textContent = text;
}

function gmSandbox(): SandboxApi | undefined {
  return document.querySelector<HTMLIFrameElement>('iframe[data-user-id="gm"]')?.contentWindow?.sandbox;
}

const clock = (at: number) => new Date(at).toTimeString().slice(0, 8);

function renderBridge(): void {
  const bridge = gmSandbox()?.api()?.bridge;
  if (!bridge) {
    setText("backend-state", "the GM's frame is booting…");
    return;
  }
  const s = bridge.status();
  const state = el("backend-state");
  if (state) state.dataset.state = s.state;
  setText("backend-state", s.state);
  setText("backend-attempts", `${s.attempts} in a row · ${s.reconnectAttempts} retries in all`);
  setText("backend-rtt", s.rttMs === undefined ? "–" : `${s.rttMs.toFixed(1)} ms`);
  const kinds = Object.entries(s.requests);
  setText(
    "backend-requests",
    kinds.length === 0
      ? "none yet"
      : kinds
          .map(
            ([kind, outcomes]) =>
              `${kind}: ${Object.entries(outcomes)
                .map(([o, n]) => `${n} ${o}`)
                .join(", ")}`,
          )
          .join(" · "),
  );
}

function renderInfo(info: BackendInfo): void {
  const box = el("backend-process");
  if (box) box.dataset.state = info.running ? "running" : "stopped";
  setText(
    "backend-process-text",
    info.running
      ? `running (pid ${info.pid}) · ${info.url} · ${info.connections.length === 0 ? "no Foundry client" : `world ${info.connections.join(", ")}`}`
      : `stopped · ${info.url}`,
  );
  const r = info.reconnection;
  setText(
    "backend-note",
    `Reconnection shortened for this demo: ${r.initialReconnectionDelay} ms doubling to ${r.maxReconnectionDelay / 1000} s, ` +
      `${r.maxReconnectionAttempts} attempts, then offline, probing every ${r.maxReconnectionDelay / 1000} s ` +
      "(Socket Manager's defaults: 1 s → 30 s, 5 attempts).",
  );
  const list = el("backend-log");
  if (!list) return;
  const rows = info.log.slice(-MAX_ROWS).reverse();
  const key = rows.map((e) => `${e.at}${e.text}`).join("\n");
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(
    ...rows.map((e) => {
      const li = document.createElement("li");
      li.className = e.ok ? "ok" : "failed";
      const when = document.createElement("time");
      when.textContent = clock(e.at);
      const what = document.createElement("span");
      what.textContent = e.text;
      li.append(when, what);
      return li;
    }),
  );
}

async function fetchInfo(): Promise<BackendInfo | null> {
  const res = await fetch("/api/backend");
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api/backend: ${res.status}`);
  return (await res.json()) as BackendInfo;
}

async function post(action: string): Promise<unknown> {
  const res = await fetch(`/api/backend/${action}`, { method: "POST" });
  if (!res.ok) throw new Error(`POST /api/backend/${action}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Shows and runs the panel when the sandbox has a backend; `wire` is control.ts's button runner. */
export async function startBackendPanel(
  wire: (b: HTMLButtonElement, action: () => Promise<unknown>) => void,
) {
  const first = await fetchInfo().catch(() => null);
  const panel = el("backend-panel");
  if (!first || !panel) return;
  panel.hidden = false;
  document.body.classList.add("with-backend");
  renderInfo(first);
  const refresh = async () => {
    const info = await fetchInfo().catch(() => null);
    if (info) renderInfo(info);
  };
  for (const b of panel.querySelectorAll<HTMLButtonElement>("button[data-backend]")) {
    const action = b.dataset.backend ?? "";
    wire(b, async () => {
      const answer = await post(action);
      await refresh();
      if (action === "create-actor" && !(answer as CreateActorOutcome).ok) {
        throw new Error((answer as Extract<CreateActorOutcome, { ok: false }>).error.message);
      }
    });
  }
  setInterval(() => {
    renderBridge();
    void refresh();
  }, POLL_MS);
  renderBridge();
}
