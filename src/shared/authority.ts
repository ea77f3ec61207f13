/**
 * On the authority: checking and applying one change, this client's own or a player's proposal: `write`,
 * sizes and `schema`, checked on a copy (`applyPatch` never changes its input) so a refusal changes nothing;
 * a proposal's answer travels as a value (the new version, or the refusal's code and message).
 */
import {
  errorMessage,
  NoGMError,
  PayloadTooLargeError,
  PermissionDeniedError,
  SocketManagerError,
  ValidationError,
} from "../contract/errors";
import type { FoundryUser, SharedOp, SharedProposal } from "../contract/types";
import { isPermitted } from "../pipeline/permission";
import { runSchema } from "../pipeline/schema";
import type { Committer } from "./commit";
import { diff } from "./diff";
import type { Held } from "./held";
import { type Json, jsonBytes, toJson } from "./json";
import { type Applied, applyPatch } from "./patch";
import type { ChangeQueue } from "./queue";
import type { ProposeReply } from "./wire";

/**
 * Throws PayloadTooLargeError when the change (`patchBytes`, the JSON size of its operations) or the value it
 * makes (`bytes`) is over its bound; both come from `applyPatch`.
 */
export function checkSizes(held: Held, { bytes, patchBytes }: Applied<number>): void {
  const { maxBytes, maxPatchBytes } = held.config;
  if (patchBytes > maxPatchBytes)
    throw new PayloadTooLargeError(
      `the change is ${patchBytes} bytes; maxPatchBytes is ${maxPatchBytes}`,
      held.details(),
    );
  if (bytes > maxBytes)
    throw new PayloadTooLargeError(
      `the value would be ${bytes} bytes; maxBytes is ${maxBytes}`,
      held.details(),
    );
}

/** A refusal as the proposer's reply: the error's code and message, a schema's issues, whether to try again. */
function refusal(error: SocketManagerError): ProposeReply {
  const reply: ProposeReply = {
    x: error.code,
    m: error.message.replace(/^Socket Manager \| [^:]*: /, ""),
  };
  if (error instanceof ValidationError && error.issues.length > 0)
    reply.i = error.issues.map((i) => ({
      message: i.message,
      ...(i.path ? { path: [...i.path] } : {}),
    }));
  if (error instanceof NoGMError) reply.r = 1;
  return reply;
}

export class Authority {
  readonly #held: Held;
  readonly #queue: ChangeQueue;
  readonly #committer: Committer;

  constructor(held: Held, queue: ChangeQueue, committer: Committer) {
    this.#held = held;
    this.#queue = queue;
    this.#committer = committer;
  }

  /** This client's own change, computed on the value held now. */
  applyOwn(next: (current: Json) => unknown): number | Promise<number> {
    const value = toJson(next(this.#held.value));
    return this.tryCommit(diff(this.#held.value, value, "index"), null);
  }

  /**
   * A proposal from `sender`, answered once: the new version, or the refusal as a value. Its operations are
   * measured before it waits, so what waits is bounded in bytes and a change too large is never applied.
   */
  answer(ops: SharedOp[], sender: FoundryUser): Promise<ProposeReply> {
    const held = this.#held;
    const bytes = jsonBytes(ops);
    const { maxPatchBytes } = held.config;
    if (bytes > maxPatchBytes)
      return Promise.resolve(
        refusal(
          new PayloadTooLargeError(
            `the change is ${bytes} bytes; maxPatchBytes is ${maxPatchBytes}`,
            held.details(),
          ),
        ),
      );
    return this.#queue
      .add({ id: sender.id, bytes }, () => {
        if (!held.authority) throw new NoGMError("this client is not the authority", held.details());
        return this.tryCommit(ops, sender);
      })
      .then(
        (v): ProposeReply => ({ v }),
        (e: unknown) =>
          refusal(
            e instanceof SocketManagerError ? e : new SocketManagerError(errorMessage(e), held.details()),
          ),
      );
  }

  /**
   * Checks and applies a change on the authority: `sender` null for its own. Resolves with the new version
   * (the current one when the change changes nothing); throws the typed refusal, changing nothing.
   */
  tryCommit(ops: SharedOp[], sender: FoundryUser | null): number | Promise<number> {
    const held = this.#held;
    if (ops.length === 0) return held.version;
    const { write, schema } = held.config;
    if (sender && typeof write === "string" && !isPermitted(write, sender)) {
      held.host.counters.drop("permission");
      throw new PermissionDeniedError(
        `${sender.name} may not change this state (write: "${write}")`,
        held.details(),
      );
    }
    const work = held.host.proposalWork;
    if (sender && !work.may(sender.id)) {
      held.host.counters.drop("rate-limited");
      throw new SocketManagerError(
        `${sender.name} changes shared states faster than the GM can apply them; try again in a moment`,
        held.details(),
      );
    }
    // A player's proposal is charged what it cost, even when it fails half-way.
    const meter = { work: 0 };
    let applied: Applied<number>;
    try {
      applied = applyPatch(held.value, ops, held.bytes, meter);
    } finally {
      if (sender) work.spend(sender.id, meter.work);
    }
    checkSizes(held, applied);
    const { value, bytes } = applied;
    // A proposal the value already holds (sent again after a handover) changes nothing.
    if (sender && diff(held.value, value, "whole").length === 0) return held.version;
    if (sender && typeof write === "function") {
      const change: SharedProposal<unknown> = {
        version: held.version + 1,
        changedBy: sender.id,
        patch: ops,
        value,
        previous: held.value,
      };
      let allowed = false;
      try {
        allowed = work.timed(sender.id, () => write(sender, change)) === true;
      } catch (e) {
        held.host.log.error(`the write check of shared "${held.ref.k}" (${held.ref.m}) threw`, e);
      }
      if (!allowed) {
        held.host.counters.drop("permission");
        throw new PermissionDeniedError(`${sender.name} may not make this change`, held.details());
      }
    }
    const by = sender?.id ?? held.host.me;
    if (!schema) return this.#committer.commit(value as Json, bytes, ops, by);
    const checked = sender ? work.timed(sender.id, () => runSchema(schema, value)) : runSchema(schema, value);
    const finish = (outcome: Awaited<typeof checked>): number => {
      if (!outcome.ok) {
        held.host.counters.drop("schema");
        throw new ValidationError(
          `the new value fails the schema: ${outcome.issues.map((i) => i.message).join("; ")}`,
          { ...held.details(), issues: outcome.issues },
        );
      }
      if (!held.authority) throw new NoGMError("this client stopped being the authority", held.details());
      return this.#committer.commit(value as Json, bytes, ops, by);
    };
    return "then" in checked ? checked.then(finish) : finish(checked);
  }
}
