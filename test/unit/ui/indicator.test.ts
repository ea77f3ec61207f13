// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConnectionState, TransportKind } from "../../../src/contract/types";
import { createIndicator } from "../../../src/ui/indicator";
import { localize } from "./fixtures";

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
    ["local-fallback", "Local", "sm-local"],
  ] as const)("state %s shows %s with class %s", (state, word, cls) => {
    const { element, update } = createIndicator(document, fakeApi(), localize, () => {});
    update(state);
    expect(element.textContent).toBe(word);
    expect(element.classList.contains(cls)).toBe(true);
    expect(element.dataset.state).toBe(state);
    expect(element.title).toBe(`Socket Manager: ${word}. Click for details.`);
    // Exactly one state class at a time.
    expect([...element.classList].filter((c) => /^sm-(live|reconnecting|local|starting)$/.test(c))).toEqual([
      cls,
    ]);
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

  it("destroy removes the element and stops following the state", () => {
    const api = fakeApi("connected");
    const indicator = createIndicator(document, api, localize, () => {});
    expect(api.listeners.size).toBe(1);
    indicator.destroy();
    expect(api.listeners.size).toBe(0);
    expect(document.querySelector(".sm-indicator")).toBeNull();
  });
});
