export {
  compareQuantiles,
  MIN_QUANTILE_UNITS,
  type QuantileArm,
  type QuantileCompareOptions,
  type QuantileComparison,
  quantileStandardError,
} from "./compare-quantiles.js";
