export type {
  CompareOptions,
  CompareResult,
  ResolvedCompareOptions,
  SequentialOptions,
  Sides,
} from "./compare.js";
export { compare, resolveCompareOptions } from "./compare.js";
export type { FiellerInterval, FiellerShape } from "./fieller.js";
export { fiellerInterval, fiellerStatistic, meansContrast } from "./fieller.js";
export { DEFAULT_SEQUENTIAL_TUNING, sequentialMultiplier, sequentialPValue } from "./sequential.js";
