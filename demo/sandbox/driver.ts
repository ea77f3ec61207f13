/**
 * Drives the sandbox in Debian's Chromium with playwright-core (never a downloaded browser): used by
 * `npm run demo -- --once` (demo/sandbox/scenario.ts) and by the browser tests (test/e2e/).
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Browser, chromium, type Frame, type Page } from "playwright-core";
import { type FrameSnapshot, type SandboxApi, UI_SELECTORS, USER_IDS, type UserId } from "./world";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A status-window cell that shows a round-trip time, e.g. "12 ms" or "3.5 ms". */
export const RTT_CELL = /^\d+(\.\d+)?\s*ms$/;

/** Launches Debian's Chromium; fails at once, saying how to install it, when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. Install Debian's package: ` +
        "`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH). " +
        "Never download a browser for these tests.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * A callback run inside a frame (serialised by Playwright: it may use only its argument and the frame's
 * globals, e.g. `window.sandbox`; keep it free of inner named functions).
 */
type InFrame<A, R> = (arg: A) => R | Promise<R>;

export interface SandboxPage {
  readonly page: Page;
  /** Console errors and page errors seen in any frame, for diagnostics. */
  readonly problems: string[];
  frame(user: UserId): Frame;
  /** Runs `fn(arg)` inside that user's frame (where `window.sandbox` is its SandboxApi). */
  run<A, R>(user: UserId, fn: InFrame<A, R>, arg: A): Promise<R>;
  snapshot(user: UserId): Promise<FrameSnapshot>;
  /** Polls that frame's snapshot until `pred` holds; rejects after `timeout` ms with the last snapshot. */
  waitFor(
    user: UserId,
    what: string,
    pred: (s: FrameSnapshot) => boolean,
    timeout?: number,
  ): Promise<FrameSnapshot>;
  /** The cells' text of every table row of the module's status window in that frame ([] when closed). */
  statusRows(user: UserId): Promise<string[][]>;
  /** Clicks a button in that user's column of the control page. */
  click(user: UserId, action: string): Promise<void>;
  /** Clicks one of the server buttons ("restart", "stop", "start"). */
  clickServer(action: "restart" | "stop" | "start"): Promise<void>;
  /** Saves a screenshot of an element of a frame (or of the whole page), padded by `pad` px. */
  screenshot(path: string, target?: { user: UserId; selector: string; pad?: number }): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function openSandbox(
  browser: Browser,
  url: string,
  opts: { bootTimeout?: number; viewport?: { width: number; height: number }; scale?: number } = {},
): Promise<SandboxPage> {
  const bootTimeout = opts.bootTimeout ?? 20_000;
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1920, height: 1080 },
    deviceScaleFactor: opts.scale ?? 1,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error (${msg.location().url}): ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  await page.goto(url, { waitUntil: "load", timeout: bootTimeout });

  const frame = (user: UserId): Frame => {
    const f = page.frame({ name: `client-${user}` });
    if (!f) throw new Error(`no frame for ${user}`);
    return f;
  };

  // Every frame booted the module (or says why it could not).
  const deadline = Date.now() + bootTimeout;
  for (const user of USER_IDS) {
    for (;;) {
      const f = page.frame({ name: `client-${user}` });
      const state = f ? await f.evaluate(() => document.body?.dataset.ready ?? "").catch(() => "") : "";
      if (state === "true") break;
      if (state === "error") {
        const error = await frame(user).evaluate(() => window.sandbox?.error ?? "unknown error");
        throw new Error(`${user}'s frame failed to boot: ${error}\n${problems.join("\n")}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${user}'s frame did not boot within ${bootTimeout} ms\n${problems.join("\n")}`);
      }
      await sleep(50);
    }
  }

  const run = <A, R>(user: UserId, fn: InFrame<A, R>, arg: A): Promise<R> =>
    frame(user).evaluate(fn as (arg: unknown) => Promise<R>, arg as unknown);

  const snapshot = (user: UserId) => run(user, () => (window.sandbox as SandboxApi).snapshot(), null);

  return {
    page,
    problems,
    frame,
    run,
    snapshot,
    async waitFor(user, what, pred, timeout = 10_000) {
      const end = Date.now() + timeout;
      let last: FrameSnapshot | null = null;
      for (;;) {
        last = await snapshot(user);
        if (pred(last)) return last;
        if (Date.now() > end) {
          throw new Error(
            `timed out after ${timeout} ms waiting until ${what} (${user}): ${JSON.stringify(last)}`,
          );
        }
        await sleep(50);
      }
    },
    async statusRows(user) {
      return frame(user)
        .locator(`${UI_SELECTORS.statusWindow} tr`)
        .evaluateAll((rows) =>
          rows.map((row) =>
            Array.from(row.querySelectorAll("th, td")).map((cell) => (cell.textContent ?? "").trim()),
          ),
        );
    },
    async click(user, action) {
      await page.locator(`.client-column[data-user-id="${user}"] button[data-action="${action}"]`).click();
    },
    async clickServer(action) {
      await page.locator(`button[data-server="${action}"]`).click();
    },
    async screenshot(path, target) {
      mkdirSync(dirname(path), { recursive: true });
      if (!target) {
        await page.screenshot({ path, fullPage: true });
        return;
      }
      const element = frame(target.user).locator(target.selector).first();
      await element.scrollIntoViewIfNeeded({ timeout: 5_000 });
      const box = await element.boundingBox();
      if (!box || box.width === 0 || box.height === 0) {
        throw new Error(`${target.selector} is not visible in ${target.user}'s frame`);
      }
      const pad = target.pad ?? 0;
      // Bounding boxes are in the page's coordinates, frames included.
      const view = page.viewportSize() ?? { width: 1920, height: 1080 };
      const x = Math.max(0, box.x - pad);
      const y = Math.max(0, box.y - pad);
      await page.screenshot({
        path,
        clip: {
          x,
          y,
          width: Math.min(view.width - x, box.width + 2 * pad),
          height: Math.min(view.height - y, box.height + 2 * pad),
        },
      });
    },
  };
}

export { UI_SELECTORS };
