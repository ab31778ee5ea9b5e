/**
 * An independent implementation of Assay's native assignment, written from DESIGN.md rather than from the
 * library: BigInt arithmetic over Buffer's UTF-8 bytes, no fnv-plus, no Math.imul.
 */
export interface ReferenceExperiment {
  readonly id: string;
  readonly salt?: string;
  readonly traffic: number;
  readonly variants: ReadonlyArray<{ readonly id: string; readonly weight: number }>;
}

export function referenceHash(key: string): number {
  let h = 0x811c9dc5n;
  for (const byte of Buffer.from(key, "utf8")) h = ((h ^ BigInt(byte)) * 0x01000193n) % 2n ** 32n;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) % 2n ** 32n;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) % 2n ** 32n;
  h ^= h >> 16n;
  return Number(h);
}

/** The variant id, or undefined when the unit is outside the traffic share. */
export function referenceAssign(experiment: ReferenceExperiment, unit: string): string | undefined {
  const key = `${experiment.salt === undefined ? "" : `${experiment.salt}:`}${experiment.id}:${unit}`;
  const x = referenceHash(key) / 2 ** 32;
  const total = experiment.variants.reduce((a, v) => a + v.weight, 0);
  let cumulative = 0;
  for (const variant of experiment.variants) {
    const start = cumulative / total;
    cumulative += variant.weight;
    const end =
      experiment.traffic === 1 ? cumulative / total : start + experiment.traffic * (variant.weight / total);
    if (x >= start && x < end) return variant.id;
  }
  return undefined;
}
