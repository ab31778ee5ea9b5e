export { compareRatio, linearizedRatio, type RatioStats } from "./ratio.js";
