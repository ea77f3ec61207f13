/** The status window: an ApplicationV2 (Handlebars) over templates/status.hbs that refreshes while open. */

import type { Api } from "../contract/types";
import type { ApplicationRenderOptions, FoundryApplicationsApi } from "../foundry/applications";
import { buildStatusContext, type Localize } from "./status-context";

export const STATUS_TEMPLATE = "modules/socket-manager/templates/status.hbs";
/** How often an open window re-renders (ms). */
export const REFRESH_MS = 1000;

export type StatusApi = Pick<Api, "status" | "metrics" | "peers" | "onStateChange" | "shared" | "bridge">;

/** The parts of the window that scroll: its content and any scrolling list in the template. */
function scrollables(root: unknown): HTMLElement[] {
  if (typeof HTMLElement === "undefined" || !(root instanceof HTMLElement)) return [];
  return [...root.querySelectorAll<HTMLElement>(".window-content, .sm-errors, .sm-scroll")];
}

/**
 * Builds the window class over Foundry's `foundry.applications.api`. One window at a time: a second
 * instance (the settings menu makes a new one per click) renders the one already open instead.
 */
export function createStatusWindowClass(
  base: Pick<FoundryApplicationsApi, "ApplicationV2" | "HandlebarsApplicationMixin">,
  getApi: () => StatusApi,
  localize: Localize,
) {
  let open: StatusWindow | null = null;

  class StatusWindow extends base.HandlebarsApplicationMixin(base.ApplicationV2) {
    static DEFAULT_OPTIONS = {
      id: "socket-manager-status",
      classes: ["socket-manager"],
      window: { title: "SOCKET_MANAGER.Status.Title", icon: "fas fa-network-wired", resizable: true },
      position: { width: 560, height: "auto" as const },
    };
    static PARTS = { main: { template: STATUS_TEMPLATE } };
    #timer: ReturnType<typeof setInterval> | undefined;
    #scroll: number[] = [];
    #off: (() => void) | undefined;

    override render(options?: boolean | ApplicationRenderOptions): Promise<unknown> {
      return open && open !== this ? open.render(options) : super.render(options);
    }

    override async _prepareContext(_options: ApplicationRenderOptions): Promise<object> {
      // Called before each render replaces the content: remember where the reader had scrolled to.
      this.#scroll = scrollables(this.element).map((el) => el.scrollTop);
      const api = getApi();
      return buildStatusContext(
        {
          status: api.status(),
          metrics: api.metrics(),
          peers: api.peers(),
          shared: api.shared(),
          bridge: api.bridge.status(),
        },
        localize,
      );
    }

    override async _onRender(context: object, options: ApplicationRenderOptions): Promise<void> {
      await super._onRender(context, options);
      const saved = this.#scroll;
      scrollables(this.element).forEach((el, i) => {
        el.scrollTop = saved[i] ?? el.scrollTop;
      });
      if (this.#timer !== undefined) return;
      open = this;
      const refresh = () => void this.render();
      this.#timer = setInterval(refresh, REFRESH_MS);
      this.#off = getApi().onStateChange(refresh);
    }

    override _onClose(options: object): void {
      clearInterval(this.#timer);
      this.#off?.();
      this.#timer = this.#off = undefined;
      if (open === this) open = null;
      super._onClose(options);
    }
  }
  return StatusWindow;
}
