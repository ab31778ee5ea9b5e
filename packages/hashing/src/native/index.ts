export { fmix32, fnv1a32, fnv1a32Continue } from "./fnv1a.js";
export {
  NativeBucketer,
  type NativeBucketerOptions,
  nativeHash,
  nativeKey,
  nativeUnitPoint,
} from "./native-bucketer.js";
export { type BucketRange, chooseRange, variantRanges } from "./ranges.js";
