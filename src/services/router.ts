import type { MessageContext } from "../contract/types";
import type { Kind } from "../pipeline/envelope";
import type { Accepted } from "../pipeline/receive";
import type { Core } from "./core";

/** What to do with one accepted envelope of a kind. */
export type Route = (message: Accepted, ctx: MessageContext) => void;

/**
 * The last routing step of the receive path: each envelope kind to its service. An envelope of a kind with
 * no route is dropped and counted.
 */
export function createRouter(
  core: Core,
  context: (message: Accepted) => MessageContext,
  routes: Readonly<Record<Kind, Route | undefined>>,
): (message: Accepted) => void {
  return (message) => {
    const { env, sender } = message;
    core.counters.messagesReceived++;
    if (core.config().logAllMessages)
      core.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    const route = Object.hasOwn(routes, env.k) ? routes[env.k] : undefined;
    if (!route) return core.counters.drop("envelope-shape");
    route(message, context(message));
  };
}
