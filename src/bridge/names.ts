/** The protocol's names (ids, request kinds, event names): 1 to 64 characters (docs/BRIDGE.md, Limits). */
export const MAX_NAME = 64;

export function isEventName(v: unknown): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= MAX_NAME;
}
