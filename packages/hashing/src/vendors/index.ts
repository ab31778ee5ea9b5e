/**
 * Vendor-compatible bucketing: each namespace reproduces one vendor SDK's hashing and bucketing bit for bit,
 * so that moving an experiment from the vendor to local assignment moves nobody. See `./README.md`.
 */
export * as featuresignals from "./featuresignals/index.js";
export * as growthbook from "./growthbook/index.js";
export { murmur3LowBytes, murmur3Utf8 } from "./murmur3.js";
export * as optimizely from "./optimizely/index.js";
export * as posthog from "./posthog/index.js";
export * as statsig from "./statsig/index.js";
export * as unleash from "./unleash/index.js";
