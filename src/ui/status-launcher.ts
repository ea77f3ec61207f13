/**
 * The status window loads on first use: at `init` Foundry gets only a small ApplicationV2 subclass for the
 * settings menu (Foundry accepts only application classes there), which opens the real window
 * (./status-window.ts and its template context, a chunk beside the module's file) when clicked.
 */
import type { FoundryApplicationsApi } from "../foundry/applications";
import type { Localize } from "./states";
import type { StatusApi } from "./status-window";

type Apps = Pick<FoundryApplicationsApi, "ApplicationV2" | "HandlebarsApplicationMixin">;

export interface StatusLauncher {
  /** The class for `game.settings.registerMenu`: rendering it opens the status window. */
  readonly Menu: FoundryApplicationsApi["ApplicationV2"];
  /** Opens the status window (or brings the open one forward), loading it the first time. */
  open(): Promise<void>;
}

export function createStatusLauncher(
  apps: Apps,
  getApi: () => StatusApi,
  localize: Localize,
): StatusLauncher {
  let windowClass: Promise<new () => { render(force: boolean): Promise<unknown> }> | null = null;
  const open = async () => {
    windowClass ??= import("./status-window").then((m) => m.createStatusWindowClass(apps, getApi, localize));
    await new (await windowClass)().render(true);
  };
  class StatusMenu extends apps.ApplicationV2 {
    override render(): Promise<unknown> {
      return open().then(() => this);
    }
  }
  return { Menu: StatusMenu, open };
}
