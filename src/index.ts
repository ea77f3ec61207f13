/**
 * Foundry entry point: installs Socket Manager's hooks on the page's globals when the module file loads.
 * Everything it does at each step of Foundry's start-up is in ./entry.ts.
 */
import { installSocketManager } from "./entry";
import { globals } from "./foundry/globals";

declare const __SOCKET_MANAGER_VERSION__: string;
const VERSION = typeof __SOCKET_MANAGER_VERSION__ === "string" ? __SOCKET_MANAGER_VERSION__ : "0.0.0-dev";

const installation = installSocketManager(globals(), { version: VERSION });

/** The API once `init` ran (null before). */
export const api = (): ReturnType<typeof installSocketManager>["api"] => installation.api;
