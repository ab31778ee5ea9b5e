// The SQLite store's writer thread: one engine, requests answered in arrival order, and the background fold
// run when the writer is idle (see background-fold.ts). Started by WriterThreadHost (engine-host.ts).
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { BackgroundFold } from "./background-fold.js";
import type { EventColumns } from "./columns.js";
import { SqliteEngine } from "./engine.js";
import { perform, type Reply, type Request, type WriterSetup } from "./engine-host.js";

/**
 * Group commit: the appends already waiting when the writer turns to one are inserted with it in one
 * transaction, up to this many events, so they share one commit and one fsync. A commit with its fsync costs
 * about as much as inserting 1,000 events, so under load this saves a good part of the writer's time, and an
 * idle store still commits each append on its own at once.
 */
const GROUP_EVENTS = 20_000;

const setup = workerData as WriterSetup;
const engine = new SqliteEngine(setup.engine);
const port = parentPort!;
const fold = new BackgroundFold(engine, setup.foldStep);

port.on("message", (request: Request) => {
  if (request.op !== "append") {
    port.postMessage(answer(request));
    return;
  }
  const appends = [request];
  let events = (request.args[0] as EventColumns).count;
  let after: Request | undefined;
  while (events < GROUP_EVENTS) {
    const next = receiveMessageOnPort(port)?.message as Request | undefined;
    if (next === undefined) break;
    if (next.op !== "append") {
      after = next; // answered after the group, in arrival order
      break;
    }
    appends.push(next);
    events += (next.args[0] as EventColumns).count;
  }
  for (const reply of commitGroup(appends)) port.postMessage(reply);
  if (after !== undefined) port.postMessage(answer(after));
});

function answer(request: Request): Reply {
  try {
    const value = request.op === "close" ? engine.close() : perform(engine, fold, request.op, request.args);
    return { id: request.id, ok: true, value };
  } catch (error) {
    return failed(request, error);
  }
}

/** Commits the appends in one transaction; if that fails, each on its own, so a bad one fails only itself. */
function commitGroup(appends: readonly Request[]): Reply[] {
  if (appends.length === 1) return [answer(appends[0]!)];
  let counts: number[];
  try {
    counts = engine.appendAll(appends.map((r) => r.args[0] as EventColumns));
  } catch {
    return appends.map(answer);
  }
  if (counts.some((n) => n > 0)) fold.appended();
  return appends.map((r, i) => ({ id: r.id, ok: true, value: counts[i] }));
}

function failed(request: Request, error: unknown): Reply {
  return { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
}
