import type { SqliteEngine } from "./engine.js";

/** How long the writer must have had no append before the background fold takes a step. */
const IDLE_MS = 20;
/** Past this many steps' worth of events waiting, the fold takes steps even while appends keep coming. */
const FORCE_AFTER_STEPS = 10;

/**
 * Keeps the rollups nearly current without slowing ingest down: a fold step costs far more per event when
 * it is small (it recomputes every unit it touches; 10,000 events touching 10,000 units cost about 33 µs per
 * event, 1,000,000 events over 100,000 units about 5 µs, measured), and the writer is shared with appends.
 * So the fold waits until the writer has been idle for IDLE_MS and then takes steps of up to `step` events;
 * under sustained load it steps in anyway once FORCE_AFTER_STEPS steps' worth are waiting, so a summary never
 * has more than that to fold first. A summary folds whatever is left.
 */
export class BackgroundFold {
  private lastAppend = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: SqliteEngine,
    private readonly step: number,
  ) {}

  /** Called after each append that stored new events. */
  appended(): void {
    this.lastAppend = performance.now();
    this.schedule(IDLE_MS);
  }

  private schedule(delayMs: number): void {
    if (this.step <= 0 || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
    this.timer.unref(); // never what keeps a process alive
  }

  private run(): void {
    try {
      const backlog = this.engine.backlog();
      if (backlog === 0) return;
      const idleFor = performance.now() - this.lastAppend;
      if (idleFor < IDLE_MS && backlog < this.step * FORCE_AFTER_STEPS) {
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
