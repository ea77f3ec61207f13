/** The sandbox server's `/api/backend` routes (server.ts, `--bridge`); 404 without a backend. */
import type { BackendControl } from "./backend-control";

export async function backendRoute(
  backend: BackendControl | null,
  method: string,
  path: string,
): Promise<{ status: number; body: unknown }> {
  if (!backend) return { status: 404, body: { error: "no backend: start the sandbox with --bridge" } };
  if (path === "/api/backend" && method !== "POST") return { status: 200, body: backend.info() };
  if (method !== "POST") return { status: 405, body: { error: `${method} ${path}: use POST` } };
  switch (path) {
    case "/api/backend/start":
      return { status: 200, body: await backend.start() };
    case "/api/backend/stop":
      return { status: 200, body: await backend.stop() };
    case "/api/backend/create-actor":
      return { status: 200, body: await backend.createActor() };
    default:
      return { status: 404, body: { error: `no POST ${path}` } };
  }
}
