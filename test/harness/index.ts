/** The simulated Foundry used by integration tests. */
export * from "./client";
export * from "./hooks";
export * from "./managers";
export * from "./memory-relay";
export * from "./relay";
export * from "./socketlib";
export * from "./virtual-time";
export * from "./wait";
export {
  CONTRACT_RUNS,
  type ContractRun,
  createWorld,
  createWorldOn,
  every,
  memoryNetwork,
  NETWORKS,
  type Network,
  STANDARD_USERS,
  type World,
  type WorldNetwork,
  type WorldOptions,
} from "./world";
