/**
 * The sandbox server's side of the backend process (backend.ts, `--bridge`): picks the bridge's port once (so
 * a restarted backend listens on the same URL) and a random token, forks the backend with them, asks it to
 * create actors over IPC, stops it and starts it again. Every wait is bounded.
 */

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { captureLines, exited, whenExited } from "../spawn";
import {
  BRIDGE_PATH,
  type CreateActorCommand,
  PORT_ENV,
  parseBackendMessage,
  TOKEN_ENV,
} from "./backend-protocol";
import {
  type BackendInfo,
  type BackendLogEntry,
  BRIDGE_DEMO_RECONNECTION,
  type CreateActorOutcome,
} from "./world";

const ENTRY = fileURLToPath(new URL("./backend.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";
/** tsx compiles the SDK on the first start. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
/** Longer than the backend's own request timeout (10 s), so that its typed TimeoutError arrives first. */
const REPLY_TIMEOUT_MS = 15_000;
const MAX_LOG = 50;
const MAX_OUTPUT_LINES = 100;

export interface BackendControl {
  /** `ws://127.0.0.1:<port>/foundry`, fixed for the sandbox's life. */
  readonly url: string;
  /** The bridge's shared secret (only the GM's frame gets it). */
  readonly token: string;
  info(): BackendInfo;
  /** Starts the backend process (nothing when it runs) and resolves once it listens. */
  start(): Promise<BackendInfo>;
  /** Stops it (SIGTERM: it closes the bridge; SIGKILL when it does not exit within 5 s). */
  stop(): Promise<BackendInfo>;
  /** Has the backend call `world.actors.create({ name, type: "npc" })`; `name` defaults to "Goblin <n>". */
  createActor(name?: string): Promise<CreateActorOutcome>;
  /** Every `createActor` outcome so far, oldest first (the last 50). */
  outcomes(): CreateActorOutcome[];
  /** The backend's last lines of output. */
  readonly output: readonly string[];
  close(): Promise<void>;
}

/** The backend process failed to start or to answer. */
export class BackendProcessError extends Error {
  constructor(detail: string) {
    super(`sandbox backend (demo/sandbox/backend.ts): ${detail}`);
    this.name = "BackendProcessError";
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new BackendProcessError("no free port");
  return address.port;
}

export async function createBackendControl(
  opts: { log?: (line: string) => void } = {},
): Promise<BackendControl> {
  const say = opts.log ?? (() => undefined);
  const port = await freePort();
  const token = randomBytes(24).toString("base64url");
  const url = `ws://${HOST}:${port}${BRIDGE_PATH}`;
  const log: BackendLogEntry[] = [];
  const outcomes: CreateActorOutcome[] = [];
  const output: string[] = [];
  const connections = new Set<string>();
  const waiting = new Map<number, (outcome: CreateActorOutcome) => void>();
  let child: ChildProcess | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = (job: () => Promise<BackendInfo>): Promise<BackendInfo> => {
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };
  let starts = 0;
  let nextId = 1;
  let goblins = 0;

  const remember = (outcome: CreateActorOutcome) => {
    outcomes.push(outcome);
    if (outcomes.length > MAX_LOG) outcomes.shift();
  };

  const note = (ok: boolean, text: string) => {
    log.push({ at: Date.now(), ok, text });
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    say(`backend: ${text}`);
  };

  const running = () => child !== null && !exited(child);

  const info = (): BackendInfo => ({
    running: running(),
    pid: running() ? (child?.pid ?? null) : null,
    url,
    starts,
    connections: [...connections],
    reconnection: BRIDGE_DEMO_RECONNECTION,
    log: log.map((e) => ({ ...e })),
  });

  const capture = (stream: NodeJS.ReadableStream | null) => captureLines(stream, output, MAX_OUTPUT_LINES);

  const failWaiting = (name: string, detail: string) => {
    for (const [id, resolve] of waiting) {
      waiting.delete(id);
      resolve({
        ok: false,
        name,
        ms: 0,
        error: { name: "BackendProcessError", code: "BACKEND_GONE", message: detail },
      });
    }
  };

  const spawn = (): Promise<BackendInfo> =>
    new Promise<BackendInfo>((resolve, reject) => {
      const proc = fork(ENTRY, [], {
        cwd: REPO,
        execArgv: ["--import", "tsx"],
        env: { ...process.env, [TOKEN_ENV]: token, [PORT_ENV]: String(port) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      child = proc;
      capture(proc.stdout);
      capture(proc.stderr);
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new BackendProcessError(`not listening within ${START_TIMEOUT_MS} ms\n${output.join("\n")}`));
      }, START_TIMEOUT_MS);
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        connections.clear();
        failWaiting("?", `the backend process exited (code ${code}, signal ${signal})`);
        note(
          code === 0 || signal === "SIGTERM",
          `process ${proc.pid} exited (code ${code}, signal ${signal})`,
        );
        reject(new BackendProcessError(`exited while starting (code ${code})\n${output.join("\n")}`));
      });
      proc.on("message", (raw: unknown) => {
        let message: ReturnType<typeof parseBackendMessage>;
        try {
          message = parseBackendMessage(raw);
        } catch (e) {
          say(e instanceof Error ? e.message : String(e));
          return;
        }
        if (message.type === "ready") {
          clearTimeout(timer);
          starts++;
          note(true, `process ${proc.pid} listening on ${message.url}`);
          resolve(info());
        } else if (message.type === "connection") {
          if (message.connected) connections.add(message.world);
          else connections.delete(message.world);
          note(true, `Foundry world "${message.world}" ${message.connected ? "connected" : "disconnected"}`);
        } else {
          waiting.get(message.id)?.(message.outcome);
          waiting.delete(message.id);
        }
      });
    });

  const control: BackendControl = {
    url,
    token,
    output,
    info,
    outcomes: () => outcomes.map((o) => structuredClone(o)),
    // Start and stop run one at a time, in the order asked (a Start clicked during a Stop waits for it).
    start: () => serial(async () => (running() ? info() : spawn())),
    stop: () =>
      serial(async () => {
        const proc = child;
        if (!proc || exited(proc)) return info();
        note(true, `stopping process ${proc.pid}`);
        proc.kill("SIGTERM");
        if (!(await whenExited(proc, STOP_TIMEOUT_MS))) {
          proc.kill("SIGKILL");
          await whenExited(proc, 2_000);
        }
        return info();
      }),
    async createActor(name) {
      const proc = child;
      if (!proc || exited(proc) || !proc.connected) {
        const outcome: CreateActorOutcome = {
          ok: false,
          name: name ?? `Goblin ${goblins + 1}`,
          ms: 0,
          error: {
            name: "BackendProcessError",
            code: "NOT_RUNNING",
            message: "the backend process is stopped",
          },
        };
        note(false, `create actor "${outcome.name}": ${outcome.error.code}: ${outcome.error.message}`);
        remember(outcome);
        return outcome;
      }
      const command: CreateActorCommand = {
        type: "create-actor",
        id: nextId++,
        name: name ?? `Goblin ${++goblins}`,
      };
      const outcome = await new Promise<CreateActorOutcome>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(command.id);
          resolve({
            ok: false,
            name: command.name,
            ms: REPLY_TIMEOUT_MS,
            error: {
              name: "BackendProcessError",
              code: "NO_REPLY",
              message: `no reply within ${REPLY_TIMEOUT_MS} ms`,
            },
          });
        }, REPLY_TIMEOUT_MS);
        waiting.set(command.id, (o) => {
          clearTimeout(timer);
          resolve({ ...o, name: command.name });
        });
        proc.send(command);
      });
      remember(outcome);
      note(
        outcome.ok,
        outcome.ok
          ? `world.actors.create → ${outcome.result.uuid} "${outcome.result.name}" (${outcome.result.type}) in ${outcome.ms} ms`
          : `world.actors.create "${outcome.name}" → ${outcome.error.name} ${outcome.error.code}: ${outcome.error.message}`,
      );
      return outcome;
    },
    async close() {
      await control.stop().catch(() => undefined);
    },
  };
  return control;
}
