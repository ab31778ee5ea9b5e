import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { decide, EXPERIMENTS } from "./app.js";

/** `count` distinct visitor ids from a fixed seed: half ASCII, half with non-ASCII characters. */
export function visitorIds(count: number, seed = 20261121): string[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const wide = ["é", "ø", "Ж", "你", "好", "한", "€", "😀"];
  const ids = new Set<string>();
  while (ids.size < count) {
    const n = ids.size;
    ids.add(
      n % 2 === 0
        ? `user-${Math.floor(rand() * 1e12).toString(36)}`
        : `${wide[Math.floor(rand() * wide.length)]}${Math.floor(rand() * 1e9)}${wide[Math.floor(rand() * wide.length)]}`,
    );
  }
  return [...ids];
}

/** How many of `ids` get another variant under `after` than under `before`, per experiment. */
export async function countMoved(
  before: string,
  after: string,
  ids: readonly string[],
): Promise<Record<string, { moved: number; enrolled: number }>> {
  const open = (manifest: string) =>
    createAssay({ manifest, store: new MemoryEventStore(), handleSignals: false });
  const [a, b] = [await open(before), await open(after)];
  try {
    const result = Object.fromEntries(EXPERIMENTS.map((e) => [e, { moved: 0, enrolled: 0 }]));
    for (const id of ids) {
      const x = decide(a, id);
      const y = decide(b, id);
      for (const e of EXPERIMENTS) {
        if (x[e] !== y[e]) result[e]!.moved++;
        if (a.assign(e, { userId: id, attributes: {} }).inExperiment) result[e]!.enrolled++;
      }
    }
    return result;
  } finally {
    await a.close();
    await b.close();
  }
}

// `node dist/swap.js [count]`: assign under both manifests and print how many users moved.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(import.meta.dirname, "..");
  const count = Number(process.argv[2] ?? 100_000);
  const ids = visitorIds(count);
  const started = Date.now();
  const result = await countMoved(join(dir, "assay.growthbook.toml"), join(dir, "assay.local.toml"), ids);
  let total = 0;
  console.log(`${count} visitors (half non-ASCII ids), GrowthBook SDK vs imported local hashing:`);
  for (const [experiment, { moved, enrolled }] of Object.entries(result)) {
    console.log(`  ${experiment.padEnd(24)} ${String(enrolled).padStart(7)} enrolled  ${moved} moved`);
    total += moved;
  }
  console.log(`moved: ${total} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = total === 0 ? 0 : 1;
}
