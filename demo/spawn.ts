/**
 * Parent side of demo/protocol.ts: forks demo/client-process.ts (one simulated Foundry client running the
 * built bundle), waits for it to boot and sends it commands. Every wait is bounded.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { UserSpec } from "../test/harness/client";
import type { BootReport, ChildMessage, CommandMap, CommandName, ErrorInfo, InitMessage } from "./protocol";

const CHILD = fileURLToPath(new URL("./client-process.ts", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAX_OUTPUT_LINES = 200;

export interface SpawnOptions {
  url: string;
  user: UserSpec;
  users: readonly UserSpec[];
  socketlib?: boolean;
  /** Absolute path of the bundle (default dist/socket-manager.js). */
  bundle?: string;
  /** Bound for start-up, import and boot (default 15 s: tsx compiles the harness on first run). */
  bootTimeout?: number;
  /** Default bound for each command's reply (default 10 s). */
  commandTimeout?: number;
}

export interface ClientProcess {
  readonly user: UserSpec;
  readonly report: BootReport;
  readonly pid: number | undefined;
  /** The child's stdout and stderr, line by line (the last 200 lines). */
  readonly output: readonly string[];
  /** Send one command and wait (bounded) for its reply. */
  send<K extends CommandName>(
    cmd: K,
    args: CommandMap[K]["args"],
    timeoutMs?: number,
  ): Promise<CommandMap[K]["result"]>;
  /** Ask the child to quit; kill it if it does not exit within `timeoutMs` (default 3 s). */
  quit(timeoutMs?: number): Promise<void>;
  /** SIGKILL, no questions asked. */
  kill(): void;
}

/** An error reported by the child, rebuilt in the parent. */
export class ChildError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo, context: string) {
    super(`${context}: ${info.name}: ${info.message}`);
    this.name = "ChildError";
    this.info = info;
  }
}

/** Keeps the last `max` non-empty lines a child writes to `stream` in `output`. */
export function captureLines(stream: NodeJS.ReadableStream | null, output: string[], max: number): void {
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) {
      if (line.trim() === "") continue;
      output.push(line);
      if (output.length > max) output.shift();
    }
  });
}

/** Whether a child process has ended (by exiting or by a signal). */
export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once `child` has ended, false after `ms` if it has not. */
export function whenExited(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

export async function spawnClient(opts: SpawnOptions): Promise<ClientProcess> {
  const bootTimeout = opts.bootTimeout ?? 15_000;
  const commandTimeout = opts.commandTimeout ?? 10_000;
  const output: string[] = [];
  const name = opts.user.name;

  const child = fork(CHILD, [], {
    cwd: REPO,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });

  const capture = (stream: NodeJS.ReadableStream | null) => captureLines(stream, output, MAX_OUTPUT_LINES);
  capture(child.stdout);
  capture(child.stderr);

  type Waiter = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout };
  const waiting = new Map<number, Waiter>();
  let nextId = 1;
  let fatal: Error | null = null;

  const failAll = (err: Error) => {
    for (const [id, w] of waiting) {
      clearTimeout(w.timer);
      waiting.delete(id);
      w.reject(err);
    }
  };

  const report = await new Promise<BootReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name}: did not boot within ${bootTimeout} ms\n${output.join("\n")}`));
    }, bootTimeout);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited during boot (code ${code}, signal ${signal})\n${output.join("\n")}`));
    };
    child.once("exit", onExit);
    child.on("message", (raw: unknown) => {
      const m = raw as ChildMessage;
      if (m.type === "booted") {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(m.report);
      } else if (m.type === "fatal") {
        const err = new ChildError(m.error, name);
        fatal = err;
        clearTimeout(timer);
        child.off("exit", onExit);
        failAll(err);
        reject(err);
      } else if (m.type === "reply") {
        const w = waiting.get(m.id);
        if (!w) return;
        clearTimeout(w.timer);
        waiting.delete(m.id);
        if (m.ok) w.resolve(m.value);
        else w.reject(new ChildError(m.error, name));
      }
    });
    const init: InitMessage = {
      type: "init",
      url: opts.url,
      user: opts.user,
      users: [...opts.users],
      socketlib: opts.socketlib === true,
      ...(opts.bundle ? { bundle: opts.bundle } : {}),
    };
    child.send(init);
  });

  child.on("exit", (code, signal) => {
    failAll(new Error(`${name}: the client process exited (code ${code}, signal ${signal})`));
  });

  const send = <K extends CommandName>(
    cmd: K,
    args: CommandMap[K]["args"],
    timeoutMs = commandTimeout,
  ): Promise<CommandMap[K]["result"]> => {
    if (fatal) return Promise.reject(fatal);
    if (exited(child) || !child.connected) {
      return Promise.reject(new Error(`${name}: the client process is gone`));
    }
    const id = nextId++;
    return new Promise<CommandMap[K]["result"]>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${name}: no reply to "${cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ ...args, id, cmd });
    });
  };

  return {
    user: opts.user,
    report,
    pid: child.pid,
    output,
    send,
    async quit(timeoutMs = 3_000) {
      if (exited(child)) return;
      if (child.connected) {
        try {
          await send("quit", {}, timeoutMs);
        } catch {
          // It may exit before the reply arrives; the exit check below decides.
        }
      }
      if (!(await whenExited(child, timeoutMs))) {
        child.kill("SIGKILL");
        await whenExited(child, 1_000);
      }
    },
    kill() {
      if (!exited(child)) child.kill("SIGKILL");
    },
  };
}
