/**
 * The `$sh.*` handlers on Socket Manager's own channel: each message is read (src/shared/wire.ts), checked
 * for who sent it (patches and snapshots only from a GM; nothing from this client or simulated), and handed
 * to the state it names; what does not fit is dropped and counted.
 */
import type { ChannelImpl } from "../channel";
import type { MessageContext } from "../contract/types";
import type { Core } from "../services/core";
import type { SharedStateCore } from "./state";
import {
  type FetchReply,
  type PollReply,
  type ProposeReply,
  readPatchMessage,
  readProposeMessage,
  readRef,
  readSnapshotMessage,
  readWantMessage,
  SHARED_EVENTS,
  type StateRef,
} from "./wire";

/** Adds the handlers; `find` returns the state a message names (counting it when there is none). */
export function installRoutes(
  channel: ChannelImpl,
  core: Core,
  find: (ref: StateRef) => SharedStateCore | undefined,
): void {
  /** Messages from other clients only: this client's own (local mode loops back) and simulated ones are not. */
  const remote = (ctx: MessageContext): boolean => !ctx.simulated && ctx.senderId !== core.userId();
  /** Patches and snapshots count only from a GM's client (an assistant's included). */
  const fromGM = (ctx: MessageContext): boolean => {
    if (!remote(ctx)) return false;
    if (ctx.sender.isGM) return true;
    core.counters.drop("permission");
    return false;
  };
  /** Polls and fetches are answered only for another GM's client (one taking over). */
  const fromOtherGM = (data: unknown, ctx: MessageContext): StateRef | null => {
    if (ctx.senderId === core.userId()) return null;
    if (!ctx.sender.isGM) {
      core.counters.drop("permission");
      return null;
    }
    const ref = readRef(data);
    if (!ref) core.counters.drop("envelope-shape");
    return ref;
  };
  channel.on(SHARED_EVENTS.patch, (data, ctx) => {
    if (!fromGM(ctx)) return;
    const message = readPatchMessage(data);
    if (!message) return core.counters.drop("envelope-shape");
    find(message)?.patch(message);
  });
  channel.on(SHARED_EVENTS.snapshot, (data, ctx) => {
    if (!fromGM(ctx)) return;
    const message = readSnapshotMessage(data);
    if (!message) return core.counters.drop("envelope-shape");
    find(message)?.snapshot(message);
  });
  channel.on(SHARED_EVENTS.want, (data, ctx) => {
    if (!remote(ctx)) return;
    const message = readWantMessage(data);
    if (!message) return core.counters.drop("envelope-shape");
    find(message)?.want(message, ctx.sender);
  });
  channel.handle(SHARED_EVENTS.propose, (data, ctx): Promise<ProposeReply> | ProposeReply => {
    const message = readProposeMessage(data);
    if (!message) {
      core.counters.drop("envelope-shape");
      return { x: "ValidationError", m: "the change is not a list of operations" };
    }
    const state = find(message);
    if (!state) return { x: "NoGMError", m: `the GM has no shared state "${message.k}" (yet)`, r: 1 };
    return state.propose(message.o, ctx.sender);
  });
  channel.handle(SHARED_EVENTS.poll, (data, ctx): PollReply | null => {
    const ref = fromOtherGM(data, ctx);
    return ref ? (find(ref)?.poll() ?? null) : null;
  });
  channel.handle(SHARED_EVENTS.fetch, (data, ctx): FetchReply | null => {
    const ref = fromOtherGM(data, ctx);
    return ref ? (find(ref)?.fetch() ?? null) : null;
  });
}
