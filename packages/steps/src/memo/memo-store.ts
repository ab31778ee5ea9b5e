/**
 * Where a plain Node worker keeps what a run already did, keyed by run id: the variant each experiment
 * selected, and the output of each completed `step.run`. A retried run reads them back instead of selecting
 * or running again.
 *
 * `set` is first-writer-wins: when two attempts of one run race, the first stored variant stays, and `set`
 * resolves to the variant that is stored (which the loser must then use).
 */
export interface MemoStore {
  readonly name: string;
  init?(): Promise<void>;
  /** The variant stored for this run and experiment, if any. */
  get(runId: string, experimentId: string): Promise<string | undefined>;
  /** Stores `variant` unless one is stored already; resolves to the stored one. */
  set(runId: string, experimentId: string, variant: string): Promise<string>;
  /** The output of a completed step, wrapped so that `undefined` outputs are distinguishable from "not run". */
  getStep(runId: string, stepId: string): Promise<{ readonly value: unknown } | undefined>;
  /** Records a step's output (JSON-serializable), first-writer-wins. */
  setStep(runId: string, stepId: string, value: unknown): Promise<void>;
  close?(): Promise<void>;
}

/** JSON text of a step output; `undefined` is kept as such. */
export function encodeStepValue(value: unknown): string {
  return value === undefined ? "{}" : JSON.stringify({ v: value });
}

export function decodeStepValue(text: string): { readonly value: unknown } {
  const parsed = JSON.parse(text) as { v?: unknown };
  return { value: parsed.v };
}

/** A MemoStore in process memory: for tests, and workers whose retries happen within one process. */
export class MemoryMemoStore implements MemoStore {
  readonly name = "memory";
  private readonly selections = new Map<string, string>();
  private readonly steps = new Map<string, string>();

  async get(runId: string, experimentId: string): Promise<string | undefined> {
    return this.selections.get(key(runId, experimentId));
  }

  async set(runId: string, experimentId: string, variant: string): Promise<string> {
    const k = key(runId, experimentId);
    const stored = this.selections.get(k);
    if (stored !== undefined) return stored;
    this.selections.set(k, variant);
    return variant;
  }

  async getStep(runId: string, stepId: string): Promise<{ readonly value: unknown } | undefined> {
    const text = this.steps.get(key(runId, stepId));
    return text === undefined ? undefined : decodeStepValue(text);
  }

  async setStep(runId: string, stepId: string, value: unknown): Promise<void> {
    const k = key(runId, stepId);
    if (!this.steps.has(k)) this.steps.set(k, encodeStepValue(value));
  }
}

function key(runId: string, id: string): string {
  return JSON.stringify([runId, id]);
}
