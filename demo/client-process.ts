/**
 * One simulated Foundry client running the BUILT bundle (dist/socket-manager.js), in its own process: the
 * bundle reads globals, so only one instance can live per JS realm.
 *
 * Started by demo/spawn.ts with `fork(..., { execArgv: ["--import", "tsx"] })`. Waits for an InitMessage,
 * connects a SimClient to the relay, installs Foundry's globals, imports the bundle, boots Foundry's hooks,
 * reports a BootReport, then obeys Commands (demo/protocol.ts) until `quit` or until the parent goes away.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Api, Channel, MessageContext } from "../src/contract/types";
import { createSimClient, type SimClient } from "../test/harness/client";
import { type FoundryGlobalsHandle, installFoundryGlobals } from "../test/harness/foundry-globals";
import { withTimeout } from "../test/harness/wait";
import {
  type BootReport,
  type ChildMessage,
  type Command,
  type CommandMap,
  type CommandName,
  type ErrorInfo,
  type HandlerMode,
  type InitMessage,
  isCommand,
  isInitMessage,
  type RequestOutcome,
  type SeenRecord,
} from "./protocol";

const INIT_TIMEOUT = 10_000;
const STEP_TIMEOUT = 5_000;
/** Extra time a request may take beyond its own timeout before this process gives up on it. */
const REQUEST_GRACE = 5_000;
const DEFAULT_REQUEST_BOUND = 30_000;
const DEFAULT_BUNDLE = fileURLToPath(new URL("../dist/socket-manager.js", import.meta.url));

let client: SimClient | null = null;
let foundry: FoundryGlobalsHandle | null = null;
let api: Api | null = null;
const seen: SeenRecord[] = [];

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

function describeError(e: unknown): ErrorInfo {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const info: ErrorInfo = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") info.code = code;
  if (api) {
    // The most specific api.errors class this is an instance of.
    let best: [string, new (...a: never[]) => Error] | null = null;
    for (const [key, cls] of Object.entries(api.errors) as [string, new (...a: never[]) => Error][]) {
      if (!(e instanceof cls)) continue;
      if (!best || cls.prototype instanceof best[1]) best = [key, cls];
    }
    if (best) info.errorClass = best[0];
  }
  return info;
}

function shutdown(code: number): never {
  try {
    client?.close();
    foundry?.uninstall();
  } finally {
    process.exit(code);
  }
}

function record(kind: SeenRecord["kind"], data: unknown, ctx: MessageContext): void {
  seen.push({
    kind,
    moduleId: ctx.moduleId,
    event: ctx.event,
    data,
    senderId: ctx.senderId,
    senderName: ctx.sender?.name ?? ctx.senderId,
    latencyMs: ctx.latencyMs,
    transport: ctx.transport,
    simulated: ctx.simulated,
  });
}

function responder(mode: HandlerMode, event: string): (data: unknown, ctx: MessageContext) => unknown {
  return (data, ctx) => {
    record("request", data, ctx);
    switch (mode) {
      case "echo":
        return data;
      case "sum":
        if (!Array.isArray(data) || !data.every((n) => typeof n === "number")) {
          throw new TypeError(`"${event}" expects an array of numbers`);
        }
        return data.reduce((a: number, b: number) => a + b, 0);
      case "throw":
        throw new Error(`the "${event}" handler failed on purpose`);
    }
  };
}

async function boot(init: InitMessage): Promise<BootReport> {
  const started = performance.now();
  const bundle = init.bundle ?? DEFAULT_BUNDLE;
  if (!existsSync(bundle)) throw new Error(`bundle not found: ${bundle} (run npm run build)`);
  const langFile = join(dirname(bundle), "lang", "en.json");
  const lang = existsSync(langFile)
    ? (JSON.parse(readFileSync(langFile, "utf8")) as Record<string, unknown>)
    : undefined;

  client = await createSimClient({
    url: init.url,
    user: init.user,
    users: init.users,
    socketlib: init.socketlib,
    connectTimeout: STEP_TIMEOUT,
  });
  foundry = installFoundryGlobals(client, { socketlib: init.socketlib, ...(lang ? { lang } : {}) });

  let readyArg: unknown;
  let readyFired = false;
  client.hooks.once("socket-manager.ready", ((arg: unknown) => {
    readyFired = true;
    readyArg = arg;
  }) as (...args: never[]) => unknown);

  // After the globals (the bundle captures Hooks at top level), before boot.
  await withTimeout(import(pathToFileURL(bundle).href), STEP_TIMEOUT, "importing the bundle");
  await withTimeout(foundry.boot(), STEP_TIMEOUT, "booting Foundry's hooks");
  const found = foundry.api();
  if (!found) throw new Error('game.modules.get("socket-manager").api was not set during init');
  api = found;
  await withTimeout(found.whenReady(), STEP_TIMEOUT, "api.whenReady()");

  return {
    userId: client.user.id,
    version: found.version,
    transport: found.transport,
    state: found.state,
    apiSame: (globalThis as { SocketManager?: unknown }).SocketManager === found,
    apiFrozen: Object.isFrozen(found),
    readyHookFired: readyFired,
    readyHookArgIsApi: readyArg === found,
    hooks: [...foundry.booted],
    settingsRegistered: foundry.game.settings.registered.size,
    bootMs: Math.round(performance.now() - started),
  };
}

type Handlers = { [K in CommandName]: (c: Extract<Command, { cmd: K }>) => Promise<CommandMap[K]["result"]> };

function channel(moduleId: string): Channel {
  if (!api) throw new Error("the bundle has not booted");
  return api.channel(moduleId);
}

const handlers: Handlers = {
  async emit(c) {
    return channel(c.moduleId).emit(c.event, c.data, c.opts ?? {});
  },
  async request(c): Promise<RequestOutcome> {
    const opts = c.opts ?? {};
    const bound = typeof opts.timeout === "number" ? opts.timeout + REQUEST_GRACE : DEFAULT_REQUEST_BOUND;
    const t0 = performance.now();
    try {
      const value = await withTimeout(channel(c.moduleId).request(c.event, c.data, opts), bound, "request");
      return { ok: true, value, ms: performance.now() - t0 };
    } catch (e) {
      return { ok: false, error: describeError(e), ms: performance.now() - t0 };
    }
  },
  async handle(c) {
    channel(c.moduleId).handle(c.event, responder(c.mode, c.event));
    return null;
  },
  async on(c) {
    channel(c.moduleId).on(c.event, (data, ctx) => record("message", data, ctx));
    return null;
  },
  async seen() {
    return seen.map((r) => ({ ...r }));
  },
  async status() {
    if (!api) throw new Error("the bundle has not booted");
    return { ...api.status() };
  },
  async metrics() {
    if (!api) throw new Error("the bundle has not booted");
    return { ...api.metrics() };
  },
  async quit() {
    return null;
  },
};

async function run(command: Command): Promise<void> {
  const handler = handlers[command.cmd] as (c: Command) => Promise<unknown>;
  try {
    if (!handler) throw new Error(`unknown command ${String(command.cmd)}`);
    const value = await handler(command);
    await send({ type: "reply", id: command.id, ok: true, value });
  } catch (e) {
    await send({ type: "reply", id: command.id, ok: false, error: describeError(e) });
  }
  if (command.cmd === "quit") shutdown(0);
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error("client-process: start me with child_process.fork (an IPC channel is required)");
    process.exit(2);
  }
  process.on("disconnect", () => shutdown(0));
  process.on("uncaughtException", (e) => {
    void send({ type: "fatal", error: describeError(e) }).finally(() => shutdown(1));
  });

  const init = await new Promise<InitMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no init message within 10 s")), INIT_TIMEOUT);
    process.once("message", (m: unknown) => {
      clearTimeout(timer);
      if (isInitMessage(m)) resolve(m);
      else reject(new Error("the first message must be an init message"));
    });
  });

  const report = await boot(init);
  process.on("message", (m: unknown) => {
    if (isCommand(m)) void run(m);
  });
  await send({ type: "booted", report });
}

main().catch(async (e: unknown) => {
  await send({ type: "fatal", error: describeError(e) });
  shutdown(1);
});
