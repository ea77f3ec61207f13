/** Forks bench/inproc-child.ts with `--expose-gc` and returns what it reports (bounded in time). */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { InprocResult } from "./inproc-child";

const CHILD = fileURLToPath(new URL("./inproc-child.ts", import.meta.url));

export function runInproc(args: string[] = [], timeoutMs = 200_000): Promise<InprocResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, args, {
      execArgv: ["--expose-gc", "--import", "tsx"],
      // The child's stdout goes to our stderr: stdout carries nothing but the report.
      stdio: ["ignore", 2, 2, "ipc"],
    });
    let result: InprocResult | null = null;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`in-process benchmarks did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", (msg: InprocResult) => {
      result = msg;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`in-process benchmark child exited with code ${code} and no result`));
    });
  });
}
