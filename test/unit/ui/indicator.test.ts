// @vitest-environment happy-dom

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BridgeState, ConnectionState, TransportKind } from "../../../src/contract/types";
import { createIndicator, followPlayersList, playersListElement } from "../../../src/ui/indicator";
import { localize, ROOT } from "./fixtures";

function fakeApi(state: ConnectionState = "initializing") {
  type Listener = (state: ConnectionState, transport: TransportKind | null) => void;
  const listeners = new Set<Listener>();
  return {
    state,
    listeners,
    onStateChange(fn: Listener) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    emit(next: ConnectionState) {
      for (const fn of listeners) fn(next, "native");
    },
  };
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("connection indicator", () => {
  it("starts from the current state and is added to the page", () => {
    const indicator = createIndicator(document, fakeApi("connected"), localize, () => {});
    expect(document.body.contains(indicator.element)).toBe(true);
    expect(indicator.element.tagName).toBe("BUTTON");
    expect(indicator.element.textContent).toBe("Live");
    expect(indicator.element.classList.contains("socket-manager")).toBe(true);
    expect(indicator.element.classList.contains("sm-indicator")).toBe(true);
  });

  it.each([
    ["initializing", "Starting", "sm-starting"],
    ["connected", "Live", "sm-live"],
    ["reconnecting", "Reconnecting", "sm-reconnecting"],
    ["offline", "Offline", "sm-offline"],
    ["local-fallback", "Local", "sm-local"],
  ] as const)("state %s shows %s with class %s", (state, word, cls) => {
    const { element, update } = createIndicator(document, fakeApi(), localize, () => {});
    update(state);
    expect(element.textContent).toBe(word);
    expect(element.classList.contains(cls)).toBe(true);
    expect(element.dataset.state).toBe(state);
    expect(element.title).toBe(`Socket Manager: ${word}. Click for details.`);
    // Exactly one state class at a time.
    expect(
      [...element.classList].filter((c) => /^sm-(live|reconnecting|offline|local|starting)$/.test(c)),
    ).toEqual([cls]);
  });

  it("follows the API's state changes", () => {
    const api = fakeApi("connected");
    const { element } = createIndicator(document, api, localize, () => {});
    api.emit("reconnecting");
    expect(element.textContent).toBe("Reconnecting");
    api.emit("local-fallback");
    expect(element.textContent).toBe("Local");
    api.emit("connected");
    expect(element.className).toBe("socket-manager sm-indicator sm-live");
  });

  it("hides and shows", () => {
    const { element, show } = createIndicator(document, fakeApi(), localize, () => {});
    expect(element.hidden).toBe(false);
    show(false);
    expect(element.hidden).toBe(true);
    show(true);
    expect(element.hidden).toBe(false);
  });

  it("opens the status window when clicked", () => {
    const open = vi.fn();
    const { element } = createIndicator(document, fakeApi(), localize, open);
    expect(open).not.toHaveBeenCalled();
    element.click();
    expect(open).toHaveBeenCalledTimes(1);
  });

  it("names the bridge in its tooltip while one is set up, following its state; nothing when it is off", () => {
    const api = fakeApi("connected");
    const bridgeListeners = new Set<(state: BridgeState) => void>();
    const bridge = {
      state: "off" as BridgeState,
      onStateChange(fn: (state: BridgeState) => void) {
        bridgeListeners.add(fn);
        return () => void bridgeListeners.delete(fn);
      },
    };
    const indicator = createIndicator(document, { ...api, bridge }, localize, () => {});
    const { element } = indicator;
    expect(element.title).toBe("Socket Manager: Live. Click for details.");
    expect(element.dataset.bridge).toBeUndefined();
    for (const state of ["reconnecting", "connected"] as const) {
      bridge.state = state;
      for (const fn of bridgeListeners) fn(state);
    }
    expect(element.dataset.bridge).toBe("connected");
    expect(element.title).toBe("Socket Manager: Live. Click for details. Bridge to the backend: Live.");
    expect(element.textContent).toBe("Live");
    indicator.destroy();
    expect(bridgeListeners.size).toBe(0);
  });

  it("destroy removes the element and stops following the state", () => {
    const api = fakeApi("connected");
    const indicator = createIndicator(document, api, localize, () => {});
    expect(api.listeners.size).toBe(1);
    indicator.destroy();
    expect(api.listeners.size).toBe(0);
    expect(document.querySelector(".sm-indicator")).toBeNull();
  });
});

describe("indicator in Foundry's players list", () => {
  function hookBus() {
    const handlers = new Map<string, Map<number, (...a: unknown[]) => unknown>>();
    let next = 1;
    return {
      on(name: string, fn: (...args: never[]) => unknown) {
        const id = next++;
        const map = handlers.get(name) ?? new Map();
        map.set(id, fn as (...a: unknown[]) => unknown);
        handlers.set(name, map);
        return id;
      },
      off(name: string, id: number) {
        handlers.get(name)?.delete(id);
      },
      call(name: string, ...args: unknown[]) {
        for (const fn of handlers.get(name)?.values() ?? []) fn(...args);
      },
      count: () => [...handlers.values()].reduce((n, m) => n + m.size, 0),
    };
  }

  /** A fresh players list, as Foundry renders it: `#players` with its rows. */
  function renderList(): HTMLElement {
    document.getElementById("players")?.remove();
    const list = document.createElement("aside");
    list.id = "players";
    list.innerHTML = "<ol><li>GM</li><li>Player</li></ol>";
    document.body.append(list);
    return list;
  }

  it("v13: renderPlayers passes an HTMLElement; the pill goes inside it, not over it", () => {
    const hooks = hookBus();
    const indicator = createIndicator(document, fakeApi("connected"), localize, () => {});
    followPlayersList(hooks, document, indicator);
    const list = renderList();
    hooks.call("renderPlayers", {}, list, {}, {});
    expect(indicator.element.parentElement).toBe(list);
    expect(indicator.element.classList.contains("sm-in-list")).toBe(true);
  });

  it("v12: renderPlayerList passes a jQuery object; the pill goes inside its element", () => {
    const hooks = hookBus();
    const indicator = createIndicator(document, fakeApi("connected"), localize, () => {});
    followPlayersList(hooks, document, indicator);
    const list = renderList();
    const jq = { 0: list, length: 1, get: (i: number) => (i === 0 ? list : undefined) };
    hooks.call("renderPlayerList", {}, jq, {});
    expect(indicator.element.parentElement).toBe(list);
    expect(playersListElement(jq)).toBe(list);
  });

  it("is put back after every re-render (the list's DOM is replaced), and starts in an existing list", () => {
    const hooks = hookBus();
    const first = renderList();
    const indicator = createIndicator(document, fakeApi("connected"), localize, () => {});
    const off = followPlayersList(hooks, document, indicator);
    expect(indicator.element.parentElement).toBe(first);
    const second = renderList();
    expect(document.body.contains(indicator.element)).toBe(false);
    hooks.call("renderPlayers", {}, second);
    expect(indicator.element.parentElement).toBe(second);
    off();
    expect(hooks.count()).toBe(0);
    const third = renderList();
    hooks.call("renderPlayers", {}, third);
    expect(indicator.element.parentElement).not.toBe(third);
  });

  it("floats over the page when there is no players list", () => {
    const indicator = createIndicator(document, fakeApi("reconnecting"), localize, () => {});
    followPlayersList(hookBus(), document, indicator);
    expect(indicator.element.parentElement).toBe(document.body);
    expect(indicator.element.classList.contains("sm-in-list")).toBe(false);
  });

  it("text from localisation is set as text, never as markup", () => {
    const indicator = createIndicator(
      document,
      fakeApi("connected"),
      () => "<img src=x onerror=alert(1)>",
      () => {},
    );
    expect(indicator.element.querySelector("img")).toBeNull();
    expect(indicator.element.textContent).toBe("<img src=x onerror=alert(1)>");
  });
});

describe("styles/socket-manager.css", () => {
  it("uses no fixed colour outside a var(--foundry-variable, fallback)", () => {
    const css = readFileSync(resolve(ROOT, "styles/socket-manager.css"), "utf8").replace(
      /\/\*[\s\S]*?\*\//g,
      "",
    );
    // Remove every var(...) with what is nested in it (fallbacks included); what is left must name no colour.
    let rest = "";
    for (let i = 0; i < css.length; i++) {
      if (!css.startsWith("var(", i)) {
        rest += css[i];
        continue;
      }
      let depth = 0;
      for (i += 3; i < css.length; i++) {
        if (css[i] === "(") depth++;
        else if (css[i] === ")" && --depth === 0) break;
      }
      rest += "VAR";
    }
    expect(rest).not.toMatch(
      /#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(|\b(white|black|red|green|orange|grey|gray)\b/i,
    );
    expect(css).toMatch(/var\(--color-level-success/);
    expect(css).toMatch(/\.sm-in-list/);
  });
});
