// The SQLite store's writer thread: one engine, requests answered in arrival order, and the background fold
// run between requests. Started by WriterThreadHost (engine-host.ts).
import { parentPort, workerData } from "node:worker_threads";
import { SqliteEngine } from "./engine.js";
import type { Reply, Request, WriterSetup } from "./engine-host.js";

const setup = workerData as WriterSetup;
const engine = new SqliteEngine(setup.engine);
const port = parentPort!;
let foldScheduled = false;

port.on("message", (request: Request) => {
  let reply: Reply;
  try {
    const value =
      request.op === "close"
        ? engine.close()
        : (engine[request.op] as (...args: unknown[]) => unknown).apply(engine, [...request.args]);
    reply = { id: request.id, ok: true, value };
    if (request.op === "append" && (value as number) > 0) scheduleFold();
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});

/** One fold step per turn of this thread's loop, so requests that arrive meanwhile wait at most one step. */
function scheduleFold(): void {
  if (setup.foldStep <= 0 || foldScheduled) return;
  foldScheduled = true;
  setImmediate(() => {
    foldScheduled = false;
    try {
      if (engine.foldStep(setup.foldStep)) scheduleFold();
    } catch {
      // Busy or closed: the next append or summary tries again.
    }
  });
}
