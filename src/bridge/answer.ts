/** Answers one request from the backend: its handler's result, or a typed error code (docs/BRIDGE.md). */

import { errorMessage } from "../contract/errors";
import { byteLength } from "../pipeline/codec";
import { runSchema, type StandardSchemaV1 } from "../pipeline/schema";
import type { BridgeHandlers } from "./handlers";
import { BRIDGE_LIMITS } from "./host";
import { assertJsonSafe } from "./json-safe";
import { type BridgeErrorCode, frames } from "./protocol";
import type { BridgeStats } from "./stats";

/** Codes a handler chooses itself by throwing a `BridgeAnswerError`; every other throw is HANDLER_ERROR. */
export type HandlerErrorCode = "NOT_FOUND" | "PERMISSION" | "RATE_LIMITED";

/** Thrown by a bridge handler to answer with `code`, e.g. NOT_FOUND for a document that does not exist. */
export class BridgeAnswerError extends Error {
  readonly code: HandlerErrorCode;

  constructor(code: HandlerErrorCode, message: string) {
    super(message);
    this.name = "BridgeAnswerError";
    this.code = code;
  }
}

export interface AnswererDeps {
  readonly handlers: BridgeHandlers;
  readonly stats: BridgeStats;
  maxFrame(): number;
  send(text: string): void;
}

export class Answerer {
  readonly #deps: AnswererDeps;
  /** Requests whose handler is still running (bounded by BRIDGE_LIMITS.concurrent). */
  #running = 0;

  constructor(deps: AnswererDeps) {
    this.#deps = deps;
  }

  async answer(id: string, kind: string, data: unknown): Promise<void> {
    const { handlers, stats, send } = this.#deps;
    const fail = (code: BridgeErrorCode | HandlerErrorCode, message: string) => {
      stats.request(kind, code);
      send(frames.error(id, code, message));
    };
    if (this.#running >= BRIDGE_LIMITS.concurrent) return fail("RATE_LIMITED", "too many requests at once");
    const handler = handlers.get(kind);
    if (!handler) return fail("NO_HANDLER", `no bridge handler for "${kind}"`);
    this.#running++;
    try {
      let input = data;
      if (handler.schema) {
        const outcome = await runSchema(handler.schema as StandardSchemaV1, data);
        if (!outcome.ok) return fail("VALIDATION", outcome.issues.map((i) => i.message).join("; "));
        input = outcome.value;
      }
      let result: unknown;
      try {
        result = await handler.fn(input, { id, kind });
      } catch (e) {
        if (e instanceof BridgeAnswerError) return fail(e.code, e.message);
        return fail("HANDLER_ERROR", errorMessage(e));
      }
      let text: string;
      try {
        assertJsonSafe(result, "bridge", kind);
        text = frames.ok(id, result);
      } catch (e) {
        return fail("HANDLER_ERROR", e instanceof Error ? e.message : "the answer is not JSON");
      }
      const max = this.#deps.maxFrame();
      if (byteLength(text) > max) return fail("TOO_LARGE", `the answer is larger than ${max} bytes`);
      stats.request(kind, "ok");
      send(text);
    } finally {
      this.#running--;
    }
  }
}
