import { errorMessage } from "../contract/errors";
import type { Handler, HandlerOptions, MessageContext, Responder } from "../contract/types";
import type { Logger } from "../log";
import type { Counters } from "../metrics/counters";
import { isPermitted } from "./permission";
import { runSchema } from "./schema";
import { snapshot } from "./snapshot";

export interface HandlerEntry {
  readonly fn: Handler;
  readonly opts: HandlerOptions;
  /** The function the user passed, for off(event, fn). */
  readonly original: Handler;
}

export interface ResponderEntry {
  readonly fn: Responder;
  readonly opts: HandlerOptions;
}

/** Where the dispatcher finds a module's handlers (a channel). */
export interface HandlerSource {
  handlersFor(event: string): readonly HandlerEntry[];
  responderFor(event: string): ResponderEntry | undefined;
}

/** What a responder reported: a value, or an error travelling by name. */
export type ResponderOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: string; message: string; issues?: { message: string; path?: PropertyKey[] }[] };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * The last stages of the receive path: permission, schema, then the handlers themselves. Handlers of one
 * event run in registration order; a throw or rejection is caught, counted and logged.
 */
export class Dispatcher {
  readonly #channels: (moduleId: string) => HandlerSource | undefined;
  readonly #counters: Counters;
  readonly #log: Logger;

  constructor(channels: (moduleId: string) => HandlerSource | undefined, counters: Counters, log: Logger) {
    this.#channels = channels;
    this.#counters = counters;
    this.#log = log;
  }

  /**
   * Runs the event's handlers in registration order. Returns a promise only when an asynchronous schema made it
   * wait (the handlers after it then run once it settled); otherwise everything ran before it returns.
   */
  message(data: unknown, ctx: MessageContext): undefined | Promise<void> {
    const channel = this.#channels(ctx.moduleId);
    if (!channel) return void this.#counters.drop("no-channel");
    const handlers = channel.handlersFor(ctx.event);
    if (handlers.length === 0) return void this.#counters.drop("no-handler");
    return this.#runFrom(handlers, 0, data, ctx);
  }

  #runFrom(
    handlers: readonly HandlerEntry[],
    from: number,
    data: unknown,
    ctx: MessageContext,
  ): undefined | Promise<void> {
    for (let i = from; i < handlers.length; i++) {
      const handler = handlers[i] as HandlerEntry;
      if (!isPermitted(handler.opts.permission, ctx.sender)) {
        this.#counters.drop("permission");
        this.#log.debug(`${ctx.sender.name} may not trigger ${ctx.moduleId} "${ctx.event}"`);
        continue;
      }
      if (!handler.opts.schema) {
        this.#call(handler, data, ctx);
        continue;
      }
      const checked = runSchema(handler.opts.schema, data);
      // Only wait when the schema is async, so synchronous handlers keep their order across messages.
      if ("then" in checked) {
        return checked.then((outcome) => {
          this.#afterHandlerSchema(handler, outcome, ctx);
          return this.#runFrom(handlers, i + 1, data, ctx);
        });
      }
      this.#afterHandlerSchema(handler, checked, ctx);
    }
    return undefined;
  }

  #afterHandlerSchema(
    handler: HandlerEntry,
    outcome: Awaited<ReturnType<typeof runSchema>>,
    ctx: MessageContext,
  ): void {
    if (outcome.ok) return this.#call(handler, outcome.value, ctx);
    this.#counters.drop("schema");
    this.#log.debug(
      `${ctx.moduleId} "${ctx.event}" from ${ctx.sender.name} failed its schema`,
      outcome.issues,
    );
  }

  #call(handler: HandlerEntry, value: unknown, ctx: MessageContext): void {
    try {
      const result = handler.fn(value, ctx);
      if (result instanceof Promise) result.catch((e: unknown) => this.#failed(ctx, e));
    } catch (e) {
      this.#failed(ctx, e);
    }
  }

  /**
   * Runs this client's responder for a request; never throws. The outcome is ready at once when the permission,
   * the schema and the responder all answer synchronously (no promise, so no wait on the answer's way back).
   * With `checkValue` false, a value JSON cannot carry is left for the caller to find.
   */
  request(
    data: unknown,
    ctx: MessageContext,
    checkValue = true,
  ): ResponderOutcome | Promise<ResponderOutcome> {
    const channel = this.#channels(ctx.moduleId);
    const responder = channel?.responderFor(ctx.event);
    if (!responder) {
      this.#counters.drop("no-handler");
      return { ok: false, code: "NoHandlerError", message: `no responder for "${ctx.event}" on this client` };
    }
    const { permission, schema } = responder.opts;
    if (!isPermitted(permission, ctx.sender)) {
      this.#counters.drop("permission");
      return {
        ok: false,
        code: "PermissionDeniedError",
        message: `${ctx.sender.name} may not call "${ctx.event}"`,
      };
    }
    if (!schema) return this.#respond(responder, data, ctx, checkValue);
    const checked = runSchema(schema, data);
    if ("then" in checked)
      return checked.then((outcome) => this.#afterSchema(responder, outcome, ctx, checkValue));
    return this.#afterSchema(responder, checked, ctx, checkValue);
  }

  #afterSchema(
    responder: ResponderEntry,
    outcome: Awaited<ReturnType<typeof runSchema>>,
    ctx: MessageContext,
    checkValue: boolean,
  ): ResponderOutcome | Promise<ResponderOutcome> {
    if (outcome.ok) return this.#respond(responder, outcome.value, ctx, checkValue);
    this.#counters.drop("schema");
    return {
      ok: false,
      code: "ValidationError",
      message: `payload failed the schema: ${outcome.issues.map((i) => i.message).join("; ")}`,
      issues: outcome.issues,
    };
  }

  #respond(
    responder: ResponderEntry,
    data: unknown,
    ctx: MessageContext,
    checkValue: boolean,
  ): ResponderOutcome | Promise<ResponderOutcome> {
    let result: unknown;
    try {
      result = responder.fn(data, ctx);
    } catch (e) {
      return this.responderFailed(ctx, e);
    }
    if (!isThenable(result)) return this.#value(result, ctx, checkValue);
    return Promise.resolve(result).then(
      (value) => this.#value(value, ctx, checkValue),
      (e: unknown) => this.responderFailed(ctx, e),
    );
  }

  /**
   * A responder's value travels only if JSON carries it. `checkValue` false leaves that to the caller: an answer
   * sent over the wire is checked by the send path's own walk (see `responderFailed`). Otherwise (an answer to this
   * client's own request) the same walk checks it and the requester gets its copy, as JSON carries it.
   */
  #value(value: unknown, ctx: MessageContext, checkValue: boolean): ResponderOutcome {
    if (!checkValue) return { ok: true, value };
    try {
      return { ok: true, value: snapshot(value, ctx.moduleId, ctx.event).value };
    } catch (e) {
      return this.responderFailed(ctx, e);
    }
  }

  /** A responder failed (threw, rejected, or answered what cannot travel): counted, logged, and reported by name. */
  responderFailed(ctx: MessageContext, error: unknown): Extract<ResponderOutcome, { ok: false }> {
    this.#failed(ctx, error);
    return { ok: false, code: "RemoteHandlerError", message: errorMessage(error) };
  }

  #failed(ctx: MessageContext, error: unknown): void {
    this.#counters.handlerErrors++;
    this.#log.error(`a handler of ${ctx.moduleId} "${ctx.event}" threw:`, error);
  }
}
