import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import type { FoundryEnv, FoundrySocket } from "../../../src/foundry/types";
import { connectSocketManager, satisfies } from "../../../src/library/connect";
import { renamedEnv, renamedHook } from "../../../src/library/renamed-env";

describe("satisfies: can the installed module serve a consumer that bundles this version?", () => {
  it.each([
    ["0.1.0", "0.1.0", true],
    ["0.2.0", "0.1.0", false],
    ["0.1.9", "0.1.0", true],
    ["0.1.5", "0.1.4", true],
    ["0.1.0", "0.2.0", false],
    ["1.0.0", "0.9.0", false],
    ["1.4.0", "1.3.9", true],
    ["1.3.9", "1.4.0", false],
    ["2.0.0", "1.9.9", false],
    ["1.2.3-beta.1", "1.2.3", true],
    ["test", "0.1.0", false],
    ["", "0.0.0-dev", false],
    [undefined, "0.1.0", false],
    [42, "0.1.0", false],
  ])("module %s, bundled %s → %s", (installed, wanted, ok) => {
    expect(satisfies(installed, wanted)).toBe(ok);
  });
});

describe("connectSocketManager's checks", () => {
  it.each([
    [{ id: "", scope: "module" }, /id must be your package's id/],
    [{ id: "a b", scope: "module" }, /id must be your package's id/],
    [{ id: "socket-manager", scope: "module" }, /the module's own id/],
    [{ id: "my-system", scope: "world" }, /scope must be "module" or "system"/],
    [undefined, /id must be/],
  ])("refuses %j at once, typed", (opts, message) => {
    expect(() => connectSocketManager(opts as never)).toThrow(ValidationError);
    expect(() => connectSocketManager(opts as never)).toThrow(message);
  });

  it("waits for init when called as the file loads, and gives the same promise for the same id and page", async () => {
    const once: string[] = [];
    let fireInit: () => void = () => {};
    const globals = {
      Hooks: {
        once(name: string, fn: () => void) {
          once.push(name);
          if (name === "init") fireInit = fn;
          return 1;
        },
      },
    } as Record<string, unknown>;
    const first = connectSocketManager({ id: "waiting", scope: "module", globals });
    expect(connectSocketManager({ id: "waiting", scope: "module", globals })).toBe(first);
    expect(once).toEqual(["init"]);
    // Foundry's init: the package is not active, so the embedded instance refuses, naming the module.
    globals.game = { modules: new Map() };
    fireInit();
    await expect(first).rejects.toThrow(/waiting: no active module "waiting"/);
    // A failed connection is forgotten: the next call tries again.
    expect(connectSocketManager({ id: "waiting", scope: "module", globals })).not.toBe(first);
  });
});

describe("an embedded instance names the package at fault", () => {
  it("in a configuration error, and in every line it logs", async () => {
    const readyHooks: (() => void)[] = [];
    const globals = {
      Hooks: {
        once: (name: string, fn: () => void) => (name === "ready" ? readyHooks.push(fn) : 1),
        on: () => 1,
        off: () => {},
        callAll: () => true,
      },
      game: {
        modules: new Map([["my-mod", { id: "my-mod", active: true, socket: true }]]),
        socket: null,
      },
    } as Record<string, unknown>;
    const bad = connectSocketManager({ id: "my-mod", scope: "module", globals, config: { rateLimit: -1 } });
    await expect(bad).rejects.toThrow(ValidationError);
    await expect(bad).rejects.toThrow(/^Socket Manager \| my-mod: /);
    const lines: unknown[][] = [];
    const kept = { ...console };
    for (const level of ["debug", "info", "warn", "error"] as const)
      console[level] = (...a: unknown[]) => void lines.push(a);
    try {
      const api = await connectSocketManager({ id: "my-mod", scope: "module", globals });
      api.configure({ enableDebugLogging: true });
      // Foundry's ready: the instance starts, with no socket, in local mode (it says so).
      for (const fn of readyHooks) fn();
    } finally {
      Object.assign(console, kept);
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l[0] === "Socket Manager (embedded in my-mod) |")).toBe(true);
  });
});

describe("an embedded instance's names", () => {
  it("renames the module's hooks to the consumer's and leaves Foundry's alone", () => {
    expect(renamedHook("socket-manager.ready", "my-system")).toBe("my-system.socket-manager.ready");
    expect(renamedHook("userConnected", "my-system")).toBe("userConnected");
  });

  it("sends and listens on the consumer's event, keeps its settings in the consumer's namespace, never uses socketlib", () => {
    const calls: string[] = [];
    const socket = {
      connected: true,
      emit: (event: string) => calls.push(`emit ${event}`),
      on: (event: string) => calls.push(`on ${event}`),
      off: (event: string) => calls.push(`off ${event}`),
    } as unknown as FoundrySocket;
    const env = renamedEnv(
      {
        socket,
        settings: {
          register: (ns: string, key: string) => calls.push(`register ${ns}.${key}`),
          get: (ns: string, key: string) => calls.push(`get ${ns}.${key}`),
          set: async (ns: string, key: string) => calls.push(`set ${ns}.${key}`),
        },
        socketlib: { active: true, socket: {} },
      } as unknown as FoundryEnv,
      { event: "system.my-system", id: "my-system" },
    );
    const s = env.socket!;
    expect(env.socket).toBe(s);
    s.on("module.socket-manager", () => {});
    s.emit("module.socket-manager", {});
    s.on("connect", () => {});
    s.off("module.socket-manager");
    env.settings?.get("socket-manager", "shared.x");
    env.settings?.get("core", "other");
    expect(calls).toEqual([
      "on system.my-system",
      "emit system.my-system",
      "on connect",
      "off system.my-system",
      "get my-system.shared.x",
      "get core.other",
    ]);
    expect(env.socketlib).toEqual({ active: false, socket: null });
  });
});
