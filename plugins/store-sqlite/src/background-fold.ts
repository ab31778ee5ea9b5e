import type { SqliteEngine } from "./engine.js";

/** How long the writer must have had no append before the background fold takes a step. */
const IDLE_MS = 20;
/** Past this many steps' worth of events waiting, appends wait for the fold (see BackgroundFold). */
const FORCE_AFTER_STEPS = 10;

/**
 * Keeps the rollups nearly current without slowing ingest down: a fold step costs far more per event when
 * it is small (it recomputes every unit it touches; 10,000 events touching 10,000 units cost about 33 µs per
 * event, 1,000,000 events over 100,000 units about 5 µs, measured), and the writer is shared with appends.
 * So the fold waits until the writer has been idle for IDLE_MS and then takes steps of up to `step` events.
 * Under sustained load, once FORCE_AFTER_STEPS steps' worth are waiting, the append that finds them folds
 * half of them before it is answered: ingest then slows to what the fold keeps up with, and a summary never
 * has more than that bound to fold first. A summary folds whatever is left.
 */
export class BackgroundFold {
  private lastAppend = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly bound: number;

  constructor(
    private readonly engine: SqliteEngine,
    private readonly step: number,
  ) {
    this.bound = step * FORCE_AFTER_STEPS;
  }

  /** Called after each append that stored new events, before the append is answered. */
  appended(): void {
    if (this.step <= 0) return;
    this.lastAppend = performance.now();
    try {
      const backlog = this.engine.backlog();
      if (backlog >= this.bound) this.engine.foldStep(backlog - this.bound / 2);
    } catch {
      // Busy or closed: the next append or summary tries again.
    }
    this.schedule(IDLE_MS);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runWhenIdle();
    }, delayMs);
    this.timer.unref(); // never what keeps a process alive
  }

  private runWhenIdle(): void {
    try {
      if (this.engine.backlog() === 0) return;
      const idleFor = performance.now() - this.lastAppend;
      if (idleFor < IDLE_MS) {
        this.schedule(IDLE_MS - idleFor);
        return;
      }
      this.engine.foldStep(this.step);
      if (this.engine.backlog() > 0) this.schedule(0);
    } catch {
      // Busy or closed: the next append or summary tries again.
    }
  }
}
