/** The connection indicator: a small pill (a CSS dot and a word) that opens the status window. */
import type { Api, ConnectionState } from "../contract/types";
import { type Localize, STATES } from "./status-context";

export interface Indicator {
  readonly element: HTMLButtonElement;
  update(state: ConnectionState): void;
  show(visible: boolean): void;
  /** Stops following the state and removes the element. */
  destroy(): void;
}

export function createIndicator(
  doc: Document,
  api: Pick<Api, "state" | "onStateChange">,
  localize: Localize,
  onOpen: () => void,
): Indicator {
  const element = doc.createElement("button");
  element.type = "button";
  element.addEventListener("click", onOpen);
  const update = (state: ConnectionState) => {
    const [cls, key] = STATES[state];
    element.className = `socket-manager sm-indicator sm-${cls}`;
    element.dataset.state = state;
    const word = localize(key);
    element.textContent = word;
    element.title = localize("SOCKET_MANAGER.Indicator.Tooltip", { state: word });
  };
  update(api.state);
  const off = api.onStateChange(update);
  doc.body.append(element);
  return {
    element,
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
