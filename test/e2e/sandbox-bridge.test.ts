/**
 * Browser tests of `npm run demo:bridge`: the sandbox (demo/sandbox/) with its backend process, in Debian's
 * Chromium. The GM's frame runs the built module (dist/) with simulated documents and connects through the
 * bridge to a separate Node process running the SDK (demo/sandbox/backend.ts); the steps are the `--once`
 * scenario's (demo/sandbox/bridge-scenario.ts), each asserted here. Every wait polls a condition, bounded.
 * Screenshot: artifacts/e2e/sandbox-bridge.png.
 */
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackendControl } from "../../demo/sandbox/backend-control";
import { type BridgeRun, bridgeSteps, until } from "../../demo/sandbox/bridge-scenario";
import { CHROMIUM_PATH, launchChromium, openSandbox, type SandboxPage } from "../../demo/sandbox/driver";
import { type Sandbox, startSandbox } from "../../demo/sandbox/server";
import { BRIDGE_DEMO_RECONNECTION } from "../../demo/sandbox/world";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ARTIFACTS = join(REPO, "artifacts", "e2e");
/** The GM's notifications, as lang/en.json words them. */
const NOTIFY = (
  JSON.parse(readFileSync(join(REPO, "lang", "en.json"), "utf8")) as {
    SOCKET_MANAGER: { Notify: Record<string, string> };
  }
).SOCKET_MANAGER.Notify;

let sandbox: Sandbox;
let backend: BackendControl;
let browser: Browser;
let page: SandboxPage;
let run: BridgeRun;

/** A client setting of Socket Manager as a frame's `game.settings` holds it. */
function settingIn(user: "gm" | "p1" | "p2", key: string): Promise<unknown> {
  return page.run(
    user,
    (k) =>
      (
        globalThis as unknown as { game: { settings: { get(ns: string, key: string): unknown } } }
      ).game.settings.get("socket-manager", k),
    key,
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install Debian's package with \`apt-get install chromium\`.`,
    );
  }
  if (!existsSync(join(REPO, "dist", "socket-manager.js"))) {
    execSync("npm run build", { cwd: REPO, stdio: "pipe", timeout: 120_000 });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox({ port: 0, bridge: true });
  if (!sandbox.backend) throw new Error("startSandbox({ bridge: true }) returned no backend");
  backend = sandbox.backend;
  browser = await launchChromium();
  page = await openSandbox(browser, sandbox.url, { viewport: { width: 1920, height: 1300 } });
  run = { sandbox, backend, page };
}, 120_000);

afterAll(async () => {
  if (page) await page.screenshot(join(ARTIFACTS, "sandbox-bridge.png")).catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await sandbox?.close();
}, 30_000);

describe("npm run demo:bridge: a backend process and the GM's client, in real Chromium", () => {
  it("the backend is its own process; only the GM's client holds the token and connects", async () => {
    const info = backend.info();
    expect(info).toMatchObject({ running: true, starts: 1, reconnection: BRIDGE_DEMO_RECONNECTION });
    expect(info.pid).not.toBe(process.pid);
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/foundry$/);

    const facts = await bridgeSteps.boot(run);
    expect(facts.gm.state).toBe("connected");
    expect(facts.players.map((p) => p?.state)).toEqual(["off", "off"]);
    expect(facts.connections).toHaveLength(1);
    expect(facts.panelState).toBe("connected");
    expect(await settingIn("gm", "bridgeToken")).toBe(backend.token);
    expect(await settingIn("p1", "bridgeToken")).toBe("");
    expect(await settingIn("p2", "bridgeToken")).toBe("");
  });

  it("a button creates an actor from the backend: the GM's client answers and the world holds it", async () => {
    const facts = await bridgeSteps.createActor(run);
    expect(facts.outcome.result).toEqual({
      id: expect.any(String),
      uuid: `Actor.${facts.outcome.result.id}`,
      name: "Goblin 1",
      type: "npc",
    });
    expect(facts.actorsBefore).toBe(0);
    expect(facts.actors).toEqual([{ id: facts.outcome.result.id, name: "Goblin 1", type: "npc" }]);
    expect(facts.requestsOk).toBe(1);
    expect(facts.panelLine).toContain(`${facts.outcome.result.uuid} "Goblin 1" (npc)`);
    await page
      .frame("gm")
      .locator("#sandbox-actors li", { hasText: "Goblin 1 · npc" })
      .waitFor({ timeout: 5_000 });
  });

  it("the GM's bridge measures a round trip, shown in the panel", async () => {
    const rtt = await bridgeSteps.rtt(run);
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(await page.page.locator("#backend-rtt").innerText()).toMatch(/^\d+(\.\d+)? ms$/);
  });

  it("stopping the backend: the GM's bridge backs off, then goes offline and the GM is told", async () => {
    const facts = await bridgeSteps.stopBackend(run);
    expect(facts.states[0]?.state).toBe("reconnecting");
    expect(facts.states.at(-1)?.state).toBe("offline");
    expect(facts.states.map((s) => s.state)).not.toContain("connected");
    // Offline because the attempts ran out (3 in the demo), not because of a clock.
    expect(facts.attemptsAtOffline).toBeGreaterThan(BRIDGE_DEMO_RECONNECTION.maxReconnectionAttempts);
    expect(facts.notification).toBe(`warn: ${NOTIFY.BridgeOffline}`);
    expect(facts.refused).toMatchObject({ ok: false, error: { code: "NOT_RUNNING" } });
    expect(backend.info()).toMatchObject({ running: false, pid: null, connections: [] });
    await page.page.locator("#backend-log li.failed", { hasText: "NOT_RUNNING" }).waitFor({ timeout: 5_000 });
    await page.page.locator("#backend-state", { hasText: "offline" }).waitFor({ timeout: 5_000 });
  });

  it("starting the backend: the same URL comes back and the GM's client reconnects by itself", async () => {
    const url = backend.url;
    const facts = await bridgeSteps.startBackend(run);
    expect(facts.url).toBe(url);
    expect(facts.starts).toBe(2);
    expect(facts.notification).toBe(`info: ${NOTIFY.BridgeBack}`);
    await until("the backend sees the world again", () =>
      backend.info().connections.length === 1 ? true : undefined,
    );
  });

  it("after the return, another actor is created from the backend", async () => {
    const facts = await bridgeSteps.createActor(run);
    expect(facts.outcome.result.name).toBe("Goblin 2");
    expect(facts.actors.map((a) => a.name)).toEqual(["Goblin 1", "Goblin 2"]);
    expect(facts.requestsOk).toBe(2);
  });

  it("markup in a name the backend sends reaches the pages as text, never as elements", async () => {
    const name = '<img src="x" onerror="window.__pwned = 1"><b>Boss</b>';
    const outcome = await backend.createActor(name);
    expect(outcome).toMatchObject({ ok: true, result: { name } });
    const gm = page.frame("gm");
    await gm.locator("#sandbox-actors li", { hasText: name }).waitFor({ timeout: 5_000 });
    await page.page.locator("#backend-log li", { hasText: name }).waitFor({ timeout: 5_000 });
    expect(await gm.locator("#sandbox-actors img, #sandbox-actors b, #sandbox-log img").count()).toBe(0);
    expect(await page.page.locator("#backend-panel img, #backend-panel b").count()).toBe(0);
    const pwned = await page.run(
      "gm",
      () => (window as unknown as { __pwned?: number }).__pwned ?? null,
      null,
    );
    expect(pwned).toBeNull();
    expect(page.problems.filter((p) => p.startsWith("page error"))).toEqual([]);
  });
});
