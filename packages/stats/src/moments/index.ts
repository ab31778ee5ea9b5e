export type { ArmMoments } from "./arm.js";
export { armMoments } from "./arm.js";
export type { Contrast, EffectMoments, RelativeMethod } from "./effect.js";
export { effectMoments, welchDf } from "./effect.js";
export type * from "./types.js";
