export type { SrmOptions, SrmResult } from "./srm.js";
export { srm } from "./srm.js";
