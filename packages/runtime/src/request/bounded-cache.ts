/**
 * A map of at most `capacity` entries, emptied when full: the cheapest bound there is (no LRU bookkeeping on
 * the hot path), enough for what it holds here, answers that recur request after request (a returning
 * visitor's cookie, a browser's user agent). A flood of distinct keys costs memory up to the bound, and then
 * the work the cache saves, never more.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity = 10_000) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, value);
  }
}
