/**
 * The smallest useful consumer of the library (bench section 7): a module that only uses on, emit and request,
 * bundled by its author's build. Its start-up size is what bundling Socket Manager costs a package.
 */
import { connectSocketManager } from "@socket-manager/library";

export async function start(): Promise<void> {
  const sm = await connectSocketManager({ id: "tiny-module", scope: "module" });
  const channel = sm.channel("tiny-module");
  channel.on("hello", (data) => console.log(data));
  channel.handle("add", (data: { a: number; b: number }) => data.a + data.b);
  await channel.emit("hello", "world");
  await channel.request("add", { a: 1, b: 2 });
}
