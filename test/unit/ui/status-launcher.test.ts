// @vitest-environment happy-dom
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Api } from "../../../src/contract/types";
import type { FoundryApplicationsApi } from "../../../src/foundry/applications";
import { createStatusLauncher } from "../../../src/ui/status-launcher";
import type { StatusApi } from "../../../src/ui/status-window";
import { installFoundryApplications } from "../../harness/foundry-app";
import { fakeBridgeStatus, fakeMetrics, fakePeers, fakeStatus, localize, ROOT } from "./fixtures";

beforeAll(() => {
  installFoundryApplications(window, {
    loadTemplate: async (path) =>
      readFileSync(resolve(ROOT, path.replace(/^modules\/socket-manager\//, "")), "utf8"),
    localize,
  });
});

const apps = () =>
  (window as unknown as { foundry: { applications: { api: FoundryApplicationsApi } } }).foundry.applications
    .api;

const api: StatusApi = {
  status: () => fakeStatus(),
  metrics: () => fakeMetrics(),
  peers: () => fakePeers(),
  shared: () => [],
  bridge: { status: () => fakeBridgeStatus() } as unknown as Api["bridge"],
  onStateChange: () => () => {},
};

const windows = () => document.querySelectorAll("#socket-manager-status").length;

describe("status launcher: the window loads on first use", () => {
  it("gives Foundry's settings menu an ApplicationV2 class whose render opens the status window", async () => {
    const launcher = createStatusLauncher(apps(), () => api, localize);
    expect(Object.getPrototypeOf(launcher.Menu)).toBe(apps().ApplicationV2);
    expect(windows()).toBe(0);
    const menu = new launcher.Menu();
    await expect(menu.render(true)).resolves.toBe(menu);
    expect(windows()).toBe(1);
    expect(document.querySelector("#socket-manager-status .window-title")?.textContent).toBe(
      "Socket Manager status",
    );
    // A second click (a new menu instance) or the keybinding brings the same window forward.
    await new launcher.Menu().render(true);
    await launcher.open();
    expect(windows()).toBe(1);
  });
});
