export type { DesignOptions, SequentialDesignOptions } from "./design.js";
export type { MdeOptions, PowerOptions, SampleSizeOptions, SampleSizeResult } from "./power.js";
export { mde, power, sampleSize } from "./power.js";
