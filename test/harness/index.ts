/** The simulated Foundry used by integration tests. */
export * from "./client";
export * from "./hooks";
export * from "./managers";
export * from "./relay";
export * from "./socketlib";
export * from "./wait";
export { createWorld, STANDARD_USERS, type World, type WorldOptions } from "./world";
