/** Parent side of bench/relay-process.ts: forks it and talks to it over IPC, every call bounded in time. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RelayReply, RelayRequest, RelayStats } from "./relay-process";

const RELAY_SCRIPT = fileURLToPath(new URL("./relay-process.ts", import.meta.url));
const CALL_TIMEOUT_MS = 15_000;
const SANDBOX_TIMEOUT_MS = 60_000;

type Command = RelayRequest extends infer R ? (R extends RelayRequest ? Omit<R, "id"> : never) : never;

export interface RelayHost {
  readonly pid: number;
  /** Starts a relay named `name`; returns its url (http://127.0.0.1:port). */
  start(name: string): Promise<string>;
  reset(name: string): Promise<void>;
  stats(name: string): Promise<RelayStats>;
  /** Starts the browser sandbox (its page server and relay) in the relay process; returns its url. */
  sandbox(): Promise<string>;
  /** CPU time of the relay process since it started (ms). */
  cpuMs(): Promise<number>;
  /** Stops every relay and the process. */
  stop(): Promise<void>;
}

export async function forkRelayHost(): Promise<RelayHost> {
  const child: ChildProcess = fork(RELAY_SCRIPT, [], {
    execArgv: ["--import", "tsx"],
    // The child's stdout goes to our stderr: stdout carries nothing but the report.
    stdio: ["ignore", 2, 2, "ipc"],
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let exited = false;

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("relay process did not start within 20 s")), 20_000);
    waiting.set(0, {
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
  });

  child.on("message", (msg: RelayReply) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new Error(`relay process: ${msg.error}`));
  });
  child.on("exit", (code) => {
    exited = true;
    for (const w of waiting.values()) w.reject(new Error(`relay process exited (code ${code})`));
    waiting.clear();
  });

  const call = <T>(cmd: Command, timeoutMs = CALL_TIMEOUT_MS): Promise<T> => {
    if (exited) return Promise.reject(new Error("relay process is gone"));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`relay process did not answer "${cmd.cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...cmd, id });
    });
  };

  try {
    await ready;
  } catch (e) {
    child.kill();
    throw e;
  }

  return {
    pid: child.pid ?? -1,
    async start(name) {
      const r = await call<{ url: string }>({ cmd: "start", name });
      return r.url;
    },
    async sandbox() {
      // The sandbox builds its page scripts first.
      const r = await call<{ url: string }>({ cmd: "sandbox" }, SANDBOX_TIMEOUT_MS);
      return r.url;
    },
    reset: (name) => call<void>({ cmd: "reset", name }),
    stats: (name) => call<RelayStats>({ cmd: "stats", name }),
    cpuMs: () => call<number>({ cmd: "cpu" }),
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        await call<void>({ cmd: "stop" });
      } catch {
        // fall through to the kill below
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
