/** The connection indicator: a small pill (a CSS dot and a word) that opens the status window. */
import type { Api, BridgeApi, ConnectionState } from "../contract/types";
import { BRIDGE_STATES, type Localize, STATES } from "./states";

export interface Indicator {
  readonly element: HTMLButtonElement;
  /** Moves the pill into the players list (or back to floating over the page when null). */
  attach(container: HTMLElement | null): void;
  update(state: ConnectionState): void;
  show(visible: boolean): void;
  /** Stops following the state and removes the element. */
  destroy(): void;
}

export function createIndicator(
  doc: Document,
  api: Pick<Api, "state" | "onStateChange"> & { bridge?: Pick<BridgeApi, "state" | "onStateChange"> },
  localize: Localize,
  onOpen: () => void,
): Indicator {
  const element = doc.createElement("button");
  element.type = "button";
  element.addEventListener("click", onOpen);
  let current: ConnectionState = api.state;
  const update = (state: ConnectionState) => {
    current = state;
    const [cls, key] = STATES[state];
    element.className = `socket-manager sm-indicator sm-${cls}`;
    element.dataset.state = state;
    const word = localize(key);
    element.textContent = word;
    element.title = localize("SOCKET_MANAGER.Indicator.Tooltip", { state: word });
    // The bridge, when a GM set one up, is named in the tooltip (and marked for styling).
    const bridge = api.bridge?.state ?? "off";
    if (bridge === "off") delete element.dataset.bridge;
    else {
      element.dataset.bridge = bridge;
      const bridgeWord = localize(BRIDGE_STATES[bridge]);
      element.title += ` ${localize("SOCKET_MANAGER.Indicator.Bridge", { state: bridgeWord })}`;
    }
  };
  update(api.state);
  const offBridge = api.bridge?.onStateChange(() => update(current));
  const offState = api.onStateChange(update);
  const off = () => {
    offState();
    offBridge?.();
  };
  const attach = (container: HTMLElement | null) => {
    element.classList.toggle("sm-in-list", container !== null);
    if (container) container.prepend(element);
    else doc.body.append(element);
  };
  attach(null);
  return {
    element,
    attach,
    update,
    show: (visible) => {
      element.hidden = !visible;
    },
    destroy: () => {
      off();
      element.remove();
    },
  };
}

/** What Foundry's players-list hooks pass: an HTMLElement (v13 `renderPlayers`) or a jQuery object (v12). */
export function playersListElement(arg: unknown): HTMLElement | null {
  if (typeof HTMLElement !== "undefined" && arg instanceof HTMLElement) return arg;
  const jq = arg as { 0?: unknown; get?: (i: number) => unknown } | null;
  const first = jq?.[0] ?? jq?.get?.(0);
  return typeof HTMLElement !== "undefined" && first instanceof HTMLElement ? first : null;
}

interface HookBus {
  on(name: string, fn: (...args: never[]) => unknown): number;
  off(name: string, id: number): void;
}

/**
 * Keeps the indicator inside the players list (bottom left): `#players` in v12 and v13. The list is rebuilt
 * on every render, so each `renderPlayerList` (v12) / `renderPlayers` (v13) puts the pill back in. Returns
 * the detach function.
 */
export function followPlayersList(hooks: HookBus, doc: Document, indicator: Indicator): () => void {
  const place = (app: unknown, html: unknown) => {
    const element = playersListElement(html) ?? (app as { element?: unknown } | null)?.element;
    const list = playersListElement(element) ?? doc.getElementById("players");
    indicator.attach(list);
  };
  const ids = [
    ["renderPlayerList", hooks.on("renderPlayerList", place as (...args: never[]) => unknown)],
    ["renderPlayers", hooks.on("renderPlayers", place as (...args: never[]) => unknown)],
  ] as const;
  const existing = doc.getElementById("players");
  if (existing) indicator.attach(existing);
  return () => {
    for (const [name, id] of ids) hooks.off(name, id);
  };
}
