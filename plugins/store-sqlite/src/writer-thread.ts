// The SQLite store's writer thread: one engine, requests answered in arrival order, and the background fold
// run when the writer is idle (see background-fold.ts). Started by WriterThreadHost (engine-host.ts).
import { parentPort, workerData } from "node:worker_threads";
import { BackgroundFold } from "./background-fold.js";
import { SqliteEngine } from "./engine.js";
import { perform, type Reply, type Request, type WriterSetup } from "./engine-host.js";

const setup = workerData as WriterSetup;
const engine = new SqliteEngine(setup.engine);
const port = parentPort!;
const fold = new BackgroundFold(engine, setup.foldStep);

port.on("message", (request: Request) => {
  let reply: Reply;
  try {
    const value = request.op === "close" ? engine.close() : perform(engine, fold, request.op, request.args);
    reply = { id: request.id, ok: true, value };
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
