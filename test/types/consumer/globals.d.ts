// The one line a project without Foundry typings writes to get Foundry's `Hooks` typed for Socket Manager's
// hooks (every other hook stays loose).
declare const Hooks: SocketManagerTypedHooks;
