import { mkdir, open, readFile, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { BackendError } from "../errors/experiment-error.js";
import { toOutcomeValue } from "../records/outcome-value.js";
import type {
  AppendResult,
  EventStore,
  ExperimentSummary,
  StoredEvent,
  SummaryQuery,
} from "./event-store.js";
import { summarizeEvents } from "./summarize.js";

/**
 * Appends events to a JSON Lines file, one event per line, and fsyncs before an append resolves, so a
 * resolved append survives a crash. Keeps the events in memory for `summarize`: meant for development and
 * small apps; the SQLite and PostgreSQL stores are the real ones.
 */
export class JsonLinesEventStore implements EventStore {
  readonly name = "jsonl";
  private readonly events = new Map<string, StoredEvent>();
  private tail: Promise<unknown> = Promise.resolve();
  private loaded: Promise<void> | undefined;

  constructor(readonly path: string) {}

  init(): Promise<void> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    await this.init();
    // Appends are serialized so that lines never interleave and the dedup check sees earlier batches.
    const run = this.tail.then(() => this.write(batch));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.init();
    await this.tail;
    return summarizeEvents(this.events.values(), query);
  }

  async flush(): Promise<void> {
    await this.tail;
  }

  async close(): Promise<void> {
    await this.tail;
  }

  private async write(batch: readonly StoredEvent[]): Promise<AppendResult> {
    const fresh: StoredEvent[] = [];
    const ids = new Set<string>();
    for (const event of batch) {
      if (this.events.has(event.eventId) || ids.has(event.eventId)) continue;
      ids.add(event.eventId);
      fresh.push(event);
    }
    if (fresh.length > 0) {
      const text = fresh.map((e) => JSON.stringify(e)).join("\n") + "\n";
      try {
        const file = await open(this.path, "a");
        try {
          await file.appendFile(text, "utf8");
          await file.datasync();
        } finally {
          await file.close();
        }
      } catch (cause) {
        throw new BackendError(`could not append to ${this.path}: ${(cause as Error).message}`, { cause });
      }
      for (const event of fresh) this.events.set(event.eventId, event);
    }
    return { inserted: fresh.length, duplicates: batch.length - fresh.length };
  }

  private async load(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new BackendError(`could not read ${this.path}: ${(cause as Error).message}`, { cause });
    }
    const lines = text.split("\n");
    const complete = text.endsWith("\n") || text.length === 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const isTornTail = i === lines.length - 1 && !complete;
      try {
        const event = parseEvent(line);
        this.events.set(event.eventId, event);
      } catch (cause) {
        if (isTornTail) {
          // A crash mid-write leaves a partial last line. Its append never resolved, so nobody was told it
          // was stored: drop it so the next append starts on a clean line.
          await truncate(this.path, Buffer.byteLength(text, "utf8") - Buffer.byteLength(line, "utf8"));
          return;
        }
        throw new BackendError(`${this.path}:${i + 1}: not a valid event line: ${(cause as Error).message}`, {
          cause,
        });
      }
    }
  }
}

function parseEvent(line: string): StoredEvent {
  const raw = JSON.parse(line) as Record<string, unknown>;
  const timestamp = new Date(String(raw.timestamp));
  if (
    typeof raw.eventId !== "string" ||
    typeof raw.experiment !== "string" ||
    Number.isNaN(timestamp.getTime())
  ) {
    throw new Error("missing eventId, experiment or timestamp");
  }
  const unit = {
    ...(typeof raw.userId === "string" ? { userId: raw.userId } : {}),
    ...(typeof raw.sessionId === "string" ? { sessionId: raw.sessionId } : {}),
    ...(typeof raw.environment === "string" ? { environment: raw.environment } : {}),
    ...(typeof raw.phase === "number" ? { phase: raw.phase } : {}),
  };
  if (raw.type === "exposure" && typeof raw.variantId === "string") {
    return {
      type: "exposure",
      eventId: raw.eventId,
      experiment: raw.experiment,
      variantId: raw.variantId,
      timestamp,
      ...unit,
      ...(typeof raw.manifestVersion === "string" ? { manifestVersion: raw.manifestVersion } : {}),
      ...(typeof raw.dimensions === "object" && raw.dimensions !== null
        ? { dimensions: raw.dimensions as Record<string, string> }
        : {}),
    };
  }
  if (raw.type === "outcome" && typeof raw.metric === "string") {
    const value = toOutcomeValue(raw.value);
    return {
      type: "outcome",
      eventId: raw.eventId,
      experiment: raw.experiment,
      metric: raw.metric,
      value,
      timestamp,
      ...unit,
    };
  }
  throw new Error(`unknown event type ${JSON.stringify(raw.type)}`);
}
