export type { AssaySource } from "./assay-source.js";
export {
  type ContextProblem,
  experimentContextOf,
  isContextProblem,
} from "./context/evaluation-context.js";
export { AssayProvider, type AssayProviderOptions } from "./provider/assay-provider.js";
export { EXPERIMENT_REASON, flagReason } from "./reasons/reasons.js";
