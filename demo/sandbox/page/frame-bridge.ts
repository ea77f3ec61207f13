/**
 * A frame's side of the bridge demo (`npm run demo:bridge`): the simulated Foundry documents the GM's world
 * operations work on (an empty world, a small compendium and a few files), the frame's "World actors" panel,
 * and the bridge's state for `window.sandbox.snapshot()`. Whatever the backend named an actor reaches the DOM
 * as text only.
 */
import type { Api } from "../../../src/contract/types";
import { createSimDocuments, type SimWorldDocuments } from "../../../test/harness/foundry-documents";
import type { BridgeSnapshot, LogKind } from "../world";

const MAX_HISTORY = 200;
const RENDER_MS = 250;

export function createDemoDocuments(): SimWorldDocuments {
  return createSimDocuments({
    compendiumItems: [
      { name: "Longsword", type: "weapon", img: "icons/svg/sword.svg" },
      { name: "Healing Potion", type: "consumable", img: "icons/svg/tankard.svg" },
      { name: "Shortbow", type: "weapon", img: "icons/svg/target.svg" },
    ],
    files: { data: ["maps/cave.webp", "maps/village.webp", "tokens/goblin.png"] },
  });
}

export interface FrameBridge {
  snapshot(): BridgeSnapshot;
}

/**
 * Follows `api.bridge` (state changes go to the frame's log) and, when the frame has documents, keeps the
 * "World actors" panel in step with `game.actors`, logging each actor that appears.
 */
export function wireBridge(
  api: Api,
  documents: SimWorldDocuments | null,
  addLog: (kind: LogKind, text: string) => void,
): FrameBridge {
  const history: BridgeSnapshot["history"] = [{ at: Date.now(), state: api.bridge.state }];
  api.bridge.onStateChange((state) => {
    history.push({ at: Date.now(), state });
    if (history.length > MAX_HISTORY) history.splice(0, history.length - MAX_HISTORY);
    const s = api.bridge.status();
    addLog(
      "state",
      `bridge to the backend: ${state}${s.attempts > 0 ? ` (${s.attempts} failed attempts)` : ""}`,
    );
  });

  const actors = () =>
    documents?.actors.contents.map((a) => ({ id: a.id, name: a.name, type: a.type ?? null })) ?? null;

  if (documents) {
    const panel = document.getElementById("sandbox-actors-panel");
    const list = document.getElementById("sandbox-actors");
    if (panel) panel.hidden = false;
    const seen = new Set<string>();
    const render = () => {
      const now = actors() ?? [];
      for (const a of now) {
        if (seen.has(a.id)) continue;
        seen.add(a.id);
        addLog("request", `the backend created the actor "${a.name ?? "?"}" (${a.type ?? "no type"})`);
      }
      list?.replaceChildren(
        ...now.map((a) => {
          const li = document.createElement("li");
          li.textContent = `${a.name ?? "?"} · ${a.type ?? "no type"}`;
          li.dataset.actorId = a.id;
          return li;
        }),
      );
      const count = document.getElementById("sandbox-actors-count");
      if (count) count.textContent = String(now.length);
    };
    render();
    setInterval(render, RENDER_MS);
  }

  return {
    snapshot() {
      const s = api.bridge.status();
      return {
        state: s.state,
        attempts: s.attempts,
        reconnectAttempts: s.reconnectAttempts,
        rttMs: s.rttMs ?? null,
        requests: s.requests,
        history: history.map((h) => ({ ...h })),
        actors: actors(),
      };
    },
  };
}
