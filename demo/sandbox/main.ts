/**
 * `npm run demo` (after `npm run build`): starts the browser sandbox and prints its URL; runs until Ctrl+C.
 * `npm run demo -- --once`: starts it on free ports, drives it through a scripted scenario in headless
 * Chromium (demo/sandbox/scenario.ts), prints a short report and exits 0 (1 on any failure; 90 s at most).
 * `--port N` picks the page server's port (default 30000, Foundry's; a free one when it is busy).
 * `--bridge` (`npm run demo:bridge`) adds a backend process the GM's client connects to through the bridge;
 * with `--once` the scripted run is the bridge's (demo/sandbox/bridge-scenario.ts).
 */
import { runBridgeScenario } from "./bridge-scenario";
import { runScenario } from "./scenario";
import { type Sandbox, startSandbox } from "./server";

const DEFAULT_PORT = 30_000;
const ONCE_TIMEOUT_MS = 90_000;

const out = (line = "") => process.stdout.write(`${line}\n`);

interface Args {
  once: boolean;
  bridge: boolean;
  port: number | undefined;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { once: false, bridge: false, port: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--once") args.once = true;
    else if (a === "--bridge") args.bridge = true;
    else if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--port" || a.startsWith("--port=")) {
      const value = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`bad --port ${value}`);
      args.port = port;
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return args;
}

async function interactive(port: number, bridge: boolean): Promise<void> {
  const sandbox = await startSandbox({ port, bridge, log: (line) => out(`  · ${line}`) });
  out();
  out("Socket Manager sandbox: a GM and two players, each in its own frame with its own socket,");
  out("each running the built module (dist/socket-manager.js) on a simulated Foundry server.");
  out();
  out(`  Open ${sandbox.url} in a browser.`);
  out();
  out(`  Foundry server (relay): ${sandbox.relay.url}`);
  out("  Buttons: Emit, Request GM, Flood, Disconnect/Reconnect a client, Status window, Restart server.");
  if (sandbox.backend) {
    const r = sandbox.backend.info().reconnection;
    out();
    out(`  Backend (its own Node process): ${sandbox.backend.url}; the GM's client connects to it.`);
    out("  Buttons: Create an actor from the backend, Stop backend, Start backend.");
    out(
      `  Reconnection shortened for the demo: ${r.initialReconnectionDelay} ms doubling to ${r.maxReconnectionDelay} ms, ` +
        `${r.maxReconnectionAttempts} attempts, then offline (defaults: 1 s → 30 s, 5 attempts).`,
    );
  }
  out("  Ctrl+C stops everything.");
  out();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    out("\nStopping the sandbox…");
    const force = setTimeout(() => process.exit(0), 3_000);
    await sandbox.close().catch(() => undefined);
    clearTimeout(force);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

async function once(bridge: boolean): Promise<void> {
  const started = Date.now();
  let sandbox: Sandbox | null = null;
  const hard = setTimeout(() => {
    process.stderr.write(`\nSANDBOX SCENARIO FAILED: still running after ${ONCE_TIMEOUT_MS / 1000} s\n`);
    process.exit(1);
  }, ONCE_TIMEOUT_MS);
  try {
    sandbox = await startSandbox({ port: 0, bridge });
    out(`Socket Manager sandbox on ${sandbox.url} (page scripts built in ${sandbox.build.ms} ms)`);
    if (sandbox.backend) out(`Backend process listening on ${sandbox.backend.url}`);
    const report = await (bridge ? runBridgeScenario : runScenario)(sandbox, { log: out });
    out();
    out(`Scenario passed: ${report.steps} steps in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    await sandbox.close();
    clearTimeout(hard);
    process.exit(0);
  } catch (e) {
    process.stderr.write(
      `\nSANDBOX SCENARIO FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    await sandbox?.close().catch(() => undefined);
    clearTimeout(hard);
    process.exit(1);
  }
}

let args: Args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
if (args.help) {
  out("usage: npm run demo [-- --once] [-- --port N]   ·   npm run demo:bridge [-- --once] [-- --port N]");
} else if (args.once) {
  void once(args.bridge);
} else {
  interactive(args.port ?? DEFAULT_PORT, args.bridge).catch((e: unknown) => {
    process.stderr.write(`sandbox failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
