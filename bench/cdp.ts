/**
 * Debian's Chromium driven over a bare Chrome DevTools Protocol connection, for the browser benchmark.
 *
 * Playwright enables DevTools' Network domain on every page, and that domain copies every WebSocket frame,
 * payload included, into the driving process as an event: the very process that runs the relay. Here each
 * page session enables nothing; the bench only evaluates script in it, so the pages' socket traffic stays
 * between the pages and the relay.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../demo/sandbox/driver";

/** Flags Playwright adds too, so that a tab in the background runs its timers at full speed. */
const BACKGROUND_FLAGS = [
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  "--no-first-run",
  "--no-default-browser-check",
];
const LAUNCH_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface CdpPage {
  /** Evaluates `expression` in the page (awaiting a promise it returns) and gives back its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

export interface CdpBrowser {
  readonly version: string;
  /** Opens `url` in a new tab and resolves once `ready` (an expression) is true there, within `timeoutMs`. */
  open(url: string, ready: string, timeoutMs: number): Promise<CdpPage>;
  close(): Promise<void>;
}

export async function launchCdpChromium(): Promise<CdpBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. Install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "sm-bench-chromium-"));
  const child: ChildProcess = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      ...BACKGROUND_FLAGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: "ignore" },
  );
  const cleanup = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await waitForEndpoint(profile, child);
    const socket = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const connection = new Connection(socket);
    const { product } = (await connection.send("Browser.getVersion")) as { product: string };
    return {
      version: product,
      open: (url, ready, timeoutMs) => openPage(connection, url, ready, timeoutMs),
      async close() {
        await connection.send("Browser.close").catch(() => {});
        socket.close();
        cleanup();
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Chromium writes its port and browser path into DevToolsActivePort once it listens. */
async function waitForEndpoint(profile: string, child: ChildProcess): Promise<string> {
  const file = join(profile, "DevToolsActivePort");
  const deadline = Date.now() + LAUNCH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Chromium exited with code ${child.exitCode} at launch`);
    if (existsSync(file)) {
      const [port, path] = readFileSync(file, "utf8").split("\n");
      if (port && path) return `ws://127.0.0.1:${port.trim()}${path.trim()}`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Chromium did not open its DevTools port within ${LAUNCH_TIMEOUT_MS / 1000} s`);
}

/** One CDP connection: commands by id, each optionally on a page's session. */
class Connection {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly socket: WebSocket) {
    socket.on("message", (raw) => {
      const msg = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return; // an event: nothing here subscribes to any
      const waiter = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.error) waiter?.reject(new Error(msg.error.message));
      else waiter?.resolve(msg.result);
    });
    socket.on("close", () => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error("the DevTools connection closed"));
      this.#pending.clear();
    });
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }
}

async function openPage(
  connection: Connection,
  url: string,
  ready: string,
  timeoutMs: number,
): Promise<CdpPage> {
  const { targetId } = (await connection.send("Target.createTarget", { url })) as { targetId: string };
  const { sessionId } = (await connection.send("Target.attachToTarget", { targetId, flatten: true })) as {
    sessionId: string;
  };
  const page: CdpPage = {
    async evaluate<T>(expression: string): Promise<T> {
      const reply = (await connection.send(
        "Runtime.evaluate",
        { expression, awaitPromise: true, returnByValue: true },
        sessionId,
      )) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      };
      if (reply.exceptionDetails) {
        const d = reply.exceptionDetails;
        throw new Error(`in the page: ${d.exception?.description ?? d.text}`);
      }
      return reply.result.value as T;
    },
    async close() {
      await connection.send("Target.closeTarget", { targetId }).catch(() => {});
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isReady = await page.evaluate<boolean>(`Boolean(${ready})`).catch(() => false);
    if (isReady) return page;
    if (Date.now() > deadline)
      throw new Error(`${url} was not ready within ${timeoutMs / 1000} s (${ready})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
