/**
 * The sandbox's control page: one frame per simulated Foundry client (each its own window, socket and copy
 * of the module) with buttons that drive it through its `window.sandbox`, and the server's buttons; with
 * `--bridge`, the backend's panel too (backend-panel.ts).
 */
import { type RelayInfo, type SandboxApi, USERS } from "../world";
import { startBackendPanel } from "./backend-panel";

const POLL_MS = 1_000;

function frameOf(userId: string): HTMLIFrameElement | null {
  return document.querySelector<HTMLIFrameElement>(`iframe[data-user-id="${userId}"]`);
}

function sandboxOf(userId: string): SandboxApi {
  const api = frameOf(userId)?.contentWindow?.sandbox;
  if (!api) throw new Error(`${userId}'s frame has not loaded yet`);
  return api;
}

function flash(button: HTMLButtonElement, ok: boolean, title?: string): void {
  button.classList.remove("ok", "failed");
  button.classList.add(ok ? "ok" : "failed");
  if (title) button.title = title;
  setTimeout(() => button.classList.remove("ok", "failed"), 1_200);
}

/** Runs a button's action; errors show on the button (and in the console), never as an unhandled rejection. */
function wire(button: HTMLButtonElement, action: () => Promise<unknown>): void {
  button.addEventListener("click", () => {
    button.disabled = true;
    action()
      .then(() => flash(button, true))
      .catch((e: unknown) => {
        console.error(`${button.textContent}:`, e);
        flash(button, false, e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

function button(label: string, action: string, title: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = action;
  b.title = title;
  return b;
}

function buildColumns(): void {
  const main = document.getElementById("clients");
  if (!main) return;
  for (const user of USERS) {
    const isGM = user.role >= 4;
    const column = document.createElement("section");
    column.className = "client-column";
    column.dataset.userId = user.id;

    const header = document.createElement("header");
    const title = document.createElement("h2");
    title.textContent = user.name;
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = isGM ? "GM" : "Player";
    title.append(role);

    const buttons = document.createElement("div");
    buttons.className = "buttons";
    const emit = button("Emit", "emit", "Chat to everyone else on the sandbox channel");
    wire(emit, () => sandboxOf(user.id).emit());
    buttons.append(emit);
    if (isGM) {
      const test = button("Test peers", "test", "api.test(): a round trip to every peer");
      wire(test, () => sandboxOf(user.id).testPeers());
      buttons.append(test);
    } else {
      const request = button(
        "Request GM",
        "request",
        "Ask the GM to roll 3d6 (a request answered by the GM)",
      );
      wire(request, () => sandboxOf(user.id).request(3));
      buttons.append(request);
    }
    const turn = button(
      "Next turn",
      "next-turn",
      isGM
        ? "Advance the shared initiative (the GM applies it at once)"
        : "Propose the next turn of the shared initiative to the GM",
    );
    wire(turn, () => sandboxOf(user.id).nextTurn());
    buttons.append(turn);
    const flood = button("Flood ×500", "flood", "Send 500 messages at once (they share frames)");
    wire(flood, () => sandboxOf(user.id).flood(500));
    const cable = button("Disconnect", "disconnect", "Cut this client's network cable");
    cable.dataset.cut = "false";
    wire(cable, async () => {
      const cut = cable.dataset.cut === "true";
      if (cut) await sandboxOf(user.id).reconnect();
      else await sandboxOf(user.id).disconnect();
      cable.dataset.cut = String(!cut);
      cable.dataset.action = cut ? "disconnect" : "reconnect";
      cable.textContent = cut ? "Disconnect" : "Reconnect";
      cable.title = cut ? "Cut this client's network cable" : "Plug the cable back in";
    });
    const status = button("Status window", "status", "Open Socket Manager's status window in this client");
    wire(status, () => sandboxOf(user.id).openStatus());
    buttons.append(flood, cable, status);

    header.append(title, buttons);
    const frame = document.createElement("iframe");
    frame.src = `/client.html?user=${encodeURIComponent(user.id)}`;
    frame.title = `${user.name}'s Foundry client`;
    frame.dataset.userId = user.id;
    frame.name = `client-${user.id}`;
    column.append(header, frame);
    main.append(column);
  }
}

function renderServer(info: RelayInfo | null, error?: string): void {
  const box = document.getElementById("server-status");
  const text = document.getElementById("server-text");
  if (!box || !text) return;
  if (!info) {
    box.dataset.state = "unreachable";
    text.textContent = `sandbox server unreachable${error ? ` (${error})` : ""}`;
    return;
  }
  box.dataset.state = info.running ? "running" : "stopped";
  const users = info.connectedUsers.length;
  text.textContent = info.running
    ? `Foundry server running · ${info.url.replace("http://", "")} · ${users} connected · ${info.framesRelayed} frames relayed`
    : "Foundry server stopped";
  if (info.cut.length > 0) text.textContent += ` · cable cut: ${info.cut.join(", ")}`;
  // Keep each column's cable button in step with the server (e.g. after a test cut it directly).
  for (const column of document.querySelectorAll<HTMLElement>(".client-column")) {
    const cable = column.querySelector<HTMLButtonElement>("button[data-cut]");
    const cut = info.cut.includes(column.dataset.userId ?? "");
    column.classList.toggle("cut", cut);
    if (cable && !cable.disabled && cable.dataset.cut !== String(cut)) {
      cable.dataset.cut = String(cut);
      cable.dataset.action = cut ? "reconnect" : "disconnect";
      cable.textContent = cut ? "Reconnect" : "Disconnect";
    }
  }
}

async function refresh(): Promise<void> {
  try {
    const res = await fetch("/api/relay");
    renderServer((await res.json()) as RelayInfo);
  } catch (e) {
    renderServer(null, e instanceof Error ? e.message : String(e));
  }
}

function wireServerButtons(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("button[data-server]")) {
    wire(b, async () => {
      const res = await fetch(`/api/relay/${b.dataset.server}`, { method: "POST" });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      renderServer((await res.json()) as RelayInfo);
    });
  }
}

buildColumns();
wireServerButtons();
void startBackendPanel(wire);
void refresh();
setInterval(() => void refresh(), POLL_MS);
