/** The module id: its settings namespace, its API's home in `game.modules`, its socket event suffix. */
export const MODULE_ID = "socket-manager";
