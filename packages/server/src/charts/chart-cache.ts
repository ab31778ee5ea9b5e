/**
 * Rendered SVGs by data version, chart and size: a chart is drawn once per version of its data, however
 * many people look at it. Bounded, oldest out first.
 */
export class ChartCache {
  readonly #svgs = new Map<string, Promise<string>>();

  constructor(private readonly capacity = 400) {}

  get(key: string, draw: () => Promise<string>): Promise<string> {
    const hit = this.#svgs.get(key);
    if (hit !== undefined) return hit;
    const pending = draw();
    pending.catch(() => this.#svgs.delete(key));
    this.#svgs.set(key, pending);
    if (this.#svgs.size > this.capacity) {
      const oldest = this.#svgs.keys().next().value;
      if (oldest !== undefined) this.#svgs.delete(oldest);
    }
    return pending;
  }
}
