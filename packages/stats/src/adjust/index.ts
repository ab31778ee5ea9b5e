export type { Correction } from "./adjust.js";
export { adjust, CORRECTIONS } from "./adjust.js";
