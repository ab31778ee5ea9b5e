import type { ExperimentDefinition } from "@assay/core";

const variant = (id: string, weight: number, isControl = false) => ({ id, weight, isControl });
const experiment = (id: string, variants: ExperimentDefinition["variants"]): ExperimentDefinition => ({
  id,
  variants,
  unit: "user",
  traffic: 1,
  enabled: true,
});

/** The experiments every conformance run serves. A backend's harness must serve them as declared. */
export const conformanceExperiments: readonly ExperimentDefinition[] = [
  experiment("conformance_even", [variant("control", 50, true), variant("treatment", 50)]),
  experiment("conformance_three", [variant("control", 50, true), variant("b", 30), variant("c", 20)]),
  experiment("conformance_skewed", [variant("control", 90, true), variant("canary", 10)]),
];

/** Deterministic pseudo-random ids, ASCII and not, so failures reproduce. */
export function sampleIds(count: number, seed: number): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_éßøçЖж中文日本😀";
  const chars = [...alphabet];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 4 + Math.floor(next() * 20);
    let id = "";
    for (let j = 0; j < length; j++) id += chars[Math.floor(next() * chars.length)];
    ids.push(id);
  }
  return ids;
}
