import { Worker } from "node:worker_threads";
import { BackendError } from "@assay/core";
import { BackgroundFold } from "./background-fold.js";
import type { EventColumns } from "./columns.js";
import { type EngineOptions, SqliteEngine } from "./engine.js";

/** The engine's operations a store calls, by name, with their arguments and results. */
export type EngineOp =
  | "openDatabase"
  | "append"
  | "summaryRows"
  | "refreshAll"
  | "loadSticky"
  | "saveSticky"
  | "count"
  | "scan"
  | "backlog";
type Call<K extends EngineOp> = SqliteEngine[K];

/** Where the engine runs: on a writer thread, or on the caller's thread. */
export interface EngineHost {
  call<K extends EngineOp>(op: K, ...args: Parameters<Call<K>>): Promise<ReturnType<Call<K>>>;
  close(): Promise<void>;
}

/** What the writer thread is started with. */
export interface WriterSetup {
  readonly engine: EngineOptions;
  /** Events per background fold step (see background-fold.ts); 0 folds only when summarizing. */
  readonly foldStep: number;
}

/** A request to the writer thread and its answer. */
export interface Request {
  readonly id: number;
  readonly op: EngineOp | "close";
  readonly args: readonly unknown[];
}
export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };

/**
 * Runs one operation on the engine and tells the background fold about new events: what both hosts do with a
 * call (the writer thread for each message).
 */
export function perform(
  engine: SqliteEngine,
  fold: BackgroundFold,
  op: EngineOp,
  args: readonly unknown[],
): unknown {
  const value = (engine[op] as (...a: unknown[]) => unknown).apply(engine, [...args]);
  if (op === "append" && (value as number) > 0) fold.appended();
  return value;
}

/**
 * Runs the engine on the caller's thread: each operation blocks the event loop while SQLite works, and so does
 * each background fold step (see background-fold.ts).
 */
export class CallerThreadHost implements EngineHost {
  private readonly engine: SqliteEngine;
  private readonly fold: BackgroundFold;

  constructor(setup: WriterSetup) {
    this.engine = new SqliteEngine(setup.engine);
    this.fold = new BackgroundFold(this.engine, setup.foldStep);
  }

  async call<K extends EngineOp>(op: K, ...args: Parameters<Call<K>>): Promise<ReturnType<Call<K>>> {
    return perform(this.engine, this.fold, op, args) as ReturnType<Call<K>>;
  }

  async close(): Promise<void> {
    this.engine.close();
  }
}

/**
 * Runs the engine on a worker thread: inserts, fsyncs and folds never hold the caller's event loop, and they
 * use the second core while the app's thread prepares the next batch. A batch crosses as EventColumns (its
 * buffers are transferred, not copied). The thread is referenced only while a call is outstanding, so an idle
 * store never keeps the process alive; if it dies, outstanding calls reject with a BackendError and the next
 * call starts a new one (the pipeline retries appends, so nothing accepted is lost).
 */
export class WriterThreadHost implements EngineHost {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(e: unknown): void }>();

  constructor(
    private readonly setup: WriterSetup,
    private readonly script: URL,
  ) {}

  call<K extends EngineOp>(op: K, ...args: Parameters<Call<K>>): Promise<ReturnType<Call<K>>> {
    const transfer =
      op === "append"
        ? [(args[0] as EventColumns).numbers.buffer, (args[0] as EventColumns).lengths.buffer]
        : [];
    return this.send(op, args, transfer as ArrayBuffer[]) as Promise<ReturnType<Call<K>>>;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    try {
      await this.send("close", [], []);
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private send(op: Request["op"], args: readonly unknown[], transfer: ArrayBuffer[]): Promise<unknown> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, op, args } satisfies Request, transfer);
    });
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(this.script, { workerData: this.setup });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (call === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) call.resolve(reply.value);
      else call.reject(new BackendError(reply.message));
    });
    const fail = (cause: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      const calls = [...this.pending.values()];
      this.pending.clear();
      const message = cause instanceof Error ? cause.message : `exit code ${String(cause)}`;
      for (const call of calls) {
        call.reject(new BackendError(`the SQLite writer thread stopped: ${message}`, { cause }));
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(code));
    this.worker = worker;
    return worker;
  }
}
