export { FLAG_VALUE_SEED, independentPoint, LAYER_SEED, ROLLOUT_SEED } from "./independent.js";
export * from "./native/index.js";
export * from "./vendors/index.js";
