/**
 * The browser sandbox's server: the simulated Foundry relay (test/harness/relay.ts) on 127.0.0.1, one
 * cable per client (links.ts), and a small static server for the control page, the per-client frame page,
 * the page scripts (built in memory at start, build.ts) and the built module at /modules/socket-manager/
 * (a snapshot of dist/, so templates load from `modules/socket-manager/templates/…` as in Foundry).
 *
 *   GET  /                              control page: three frames and the buttons
 *   GET  /client.html?user=<id>         one simulated Foundry client
 *   GET  /api/config?user=<id>          that client's FrameConfig
 *   GET  /api/relay                     RelayInfo
 *   POST /api/relay/restart|stop|start  the Foundry server goes down / comes back
 *   POST /api/net/cut?user=<id>         cut one client's cable;  /api/net/restore?user=<id> plugs it back
 *
 * With `bridge: true` (`npm run demo:bridge`) a backend process as well (backend-control.ts), which the GM's
 * frame connects to through the bridge, and:
 *   GET  /api/backend                   BackendInfo
 *   POST /api/backend/start|stop        the backend process comes back / goes away
 *   POST /api/backend/create-actor      the backend creates "Goblin <n>" in the world: CreateActorOutcome
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { WORLD_OPERATION_SETTINGS } from "../../src/foundry/bridge-settings";
import { type Relay, type RelayOptions, startRelay } from "../../test/harness/relay";
import { type BackendControl, createBackendControl } from "./backend-control";
import { backendRoute } from "./backend-routes";
import { type BuiltFile, buildPages, contentTypeOf, type PageBuild } from "./build";
import { createLink, type Link } from "./links";
import {
  BRIDGE_DEMO_RECONNECTION,
  type FrameConfig,
  type RelayInfo,
  SANDBOX_SETTINGS,
  USER_IDS,
  USERS,
  type UserId,
} from "./world";

const PAGE_DIR = fileURLToPath(new URL("./page/", import.meta.url));
export const DEFAULT_DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
const MODULE_PREFIX = "/modules/socket-manager/";
const STATIC_PAGES: Record<string, string> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/client.html": "client.html",
  "/sandbox.css": "sandbox.css",
  "/foundry-core.css": "foundry-core.css",
};
/** Pause between stop and start on /api/relay/restart, so that every client notices the outage. */
const RESTART_PAUSE_MS = 1_000;
const HOST = "127.0.0.1";

export interface SandboxOptions {
  /** Port of the page server; 0 (default) picks a free one. */
  port?: number;
  /** When `port` is busy, take a free one instead of failing (default true). */
  fallbackToFreePort?: boolean;
  /** The built module folder (default dist/). */
  dist?: string;
  /** Called with one line for each notable thing the server does (default: nothing). */
  log?: (line: string) => void;
  /** Start a backend process too, and connect the GM's frame to it through the bridge (default false). */
  bridge?: boolean;
  /** Options of the simulated Foundry relay (default: the test harness's). */
  relay?: RelayOptions;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  readonly relay: Relay;
  readonly links: ReadonlyMap<UserId, Link>;
  readonly build: PageBuild;
  /** The backend process, with `bridge: true`. */
  readonly backend: BackendControl | null;
  info(): RelayInfo;
  /** Stop the relay, wait `pauseMs`, start it again on the same port. */
  restartRelay(pauseMs?: number): Promise<void>;
  cut(user: UserId, cut: boolean): void;
  close(): Promise<void>;
}

/** Reads every file of the built module into memory (a concurrent `vite build` empties dist/). */
function snapshotDist(dist: string): Map<string, BuiltFile> {
  if (!existsSync(join(dist, "socket-manager.js")) || !existsSync(join(dist, "module.json"))) {
    throw new Error(`no built module in ${dist}: run \`npm run build\` first`);
  }
  const files = new Map<string, BuiltFile>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const rel = relative(dist, full).split(sep).join("/");
        files.set(rel, { contentType: contentTypeOf(rel), body: readFileSync(full) });
      }
    }
  };
  walk(dist);
  return files;
}

function isUserId(value: string | null): value is UserId {
  return value !== null && (USER_IDS as readonly string[]).includes(value);
}

function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8");
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, HOST, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const log = opts.log ?? (() => undefined);
  const moduleFiles = snapshotDist(opts.dist ?? DEFAULT_DIST);
  const pages = new Map<string, BuiltFile>();
  for (const file of new Set(Object.values(STATIC_PAGES))) {
    pages.set(file, { contentType: contentTypeOf(file), body: readFileSync(join(PAGE_DIR, file)) });
  }
  const built = await buildPages();
  log(`page scripts built in ${built.ms} ms`);

  const relay = await startRelay(opts.relay);
  const links = new Map<UserId, Link>();
  const cleanup: (() => Promise<void>)[] = [() => relay.stop()];
  let backend: BackendControl | null = null;
  let closed = false;
  let restarting: Promise<void> | null = null;

  try {
    if (opts.bridge) {
      const control = await createBackendControl({ log });
      backend = control;
      cleanup.push(() => control.close());
      await control.start();
    }
    for (const id of USER_IDS) {
      const link = await createLink(() => relay.port);
      links.set(id, link);
      cleanup.push(() => link.close());
    }
  } catch (err) {
    for (const fn of cleanup) await fn().catch(() => undefined);
    throw err;
  }

  const info = (): RelayInfo => ({
    running: relay.running,
    url: relay.url,
    framesRelayed: relay.framesRelayed,
    bytesRelayed: relay.bytesRelayed,
    connectedUsers: relay.connectedUsers(),
    cut: [...links].filter(([, l]) => l.cut).map(([id]) => id),
  });

  const restartRelay = (pauseMs = RESTART_PAUSE_MS): Promise<void> => {
    restarting ??= (async () => {
      log("relay: stopping");
      await relay.stop();
      await new Promise((r) => setTimeout(r, pauseMs));
      if (closed) return;
      await relay.restart();
      log(`relay: running again on ${relay.url}`);
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  };

  const cut = (user: UserId, isCut: boolean) => {
    links.get(user)?.setCut(isCut);
    log(`cable of ${user}: ${isCut ? "cut" : "restored"}`);
  };

  const frameConfig = (user: UserId): FrameConfig => {
    const spec = USERS.find((u) => u.id === user)!;
    const config: FrameConfig = {
      user: spec,
      users: [...USERS],
      relayUrl: `http://${HOST}:${links.get(user)!.port}`,
      settings: { ...SANDBOX_SETTINGS },
    };
    if (!backend) return config;
    // World settings for everyone; the token (a client setting), the operations and the documents on the GM's.
    Object.assign(config.settings, BRIDGE_DEMO_RECONNECTION, { bridgeUrl: backend.url });
    if (spec.role < 4) return config;
    config.settings.bridgeToken = backend.token;
    for (const op of Object.values(WORLD_OPERATION_SETTINGS)) config.settings[op.key] = true;
    return { ...config, documents: true };
  };

  async function post(path: string, url: URL, res: ServerResponse): Promise<void> {
    const user = url.searchParams.get("user");
    switch (path) {
      case "/api/relay/restart":
        await restartRelay();
        return sendJson(res, 200, info());
      case "/api/relay/stop":
        await relay.stop();
        log("relay: stopped");
        return sendJson(res, 200, info());
      case "/api/relay/start":
        await relay.restart();
        log(`relay: running on ${relay.url}`);
        return sendJson(res, 200, info());
      case "/api/net/cut":
      case "/api/net/restore":
        if (!isUserId(user)) return sendJson(res, 400, { error: `unknown user ${String(user)}` });
        cut(user, path === "/api/net/cut");
        return sendJson(res, 200, info());
      default:
        return sendJson(res, 404, { error: `no POST ${path}` });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${HOST}`);
    const path = decodeURIComponent(url.pathname);
    if (path === "/api/backend" || path.startsWith("/api/backend/")) {
      const answer = await backendRoute(backend, req.method ?? "GET", path);
      return sendJson(res, answer.status, answer.body);
    }
    if (req.method === "POST") return post(path, url, res);
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(res, 405, "method not allowed", "text/plain");

    if (path === "/api/config") {
      const user = url.searchParams.get("user");
      if (!isUserId(user)) return sendJson(res, 400, { error: `unknown user ${String(user)}` });
      return sendJson(res, 200, frameConfig(user));
    }
    if (path === "/api/relay") return sendJson(res, 200, info());
    if (path === "/favicon.ico") {
      res.writeHead(204, { "cache-control": "max-age=3600" }).end();
      return;
    }

    const page = STATIC_PAGES[path];
    // Map lookups only: no path ever reaches the file system, so nothing outside these sets can be served.
    const file = page
      ? pages.get(page)
      : path.startsWith("/build/")
        ? built.files.get(path.slice("/build/".length))
        : path.startsWith(MODULE_PREFIX)
          ? moduleFiles.get(path.slice(MODULE_PREFIX.length))
          : undefined;
    if (!file) return send(res, 404, `not found: ${path}`, "text/plain; charset=utf-8");
    return send(res, 200, file.body, file.contentType);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`error on ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.end();
    });
  });
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  );

  let port: number;
  try {
    try {
      port = await listen(http, opts.port ?? 0);
    } catch (err) {
      const busy = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (!busy || opts.fallbackToFreePort === false || !opts.port) throw err;
      log(`port ${opts.port} is busy; using a free one`);
      port = await listen(http, 0);
    }
  } catch (err) {
    closed = true;
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    throw err;
  }

  return {
    url: `http://${HOST}:${port}/`,
    port,
    relay,
    links,
    build: built,
    backend,
    info,
    restartRelay,
    cut,
    async close() {
      if (closed) return;
      closed = true;
      await restarting?.catch(() => undefined);
      for (const fn of [...cleanup].reverse()) await fn().catch(() => undefined);
    },
  };
}
