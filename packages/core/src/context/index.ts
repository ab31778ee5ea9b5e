export {
  ContextBuilder,
  describe,
  ExperimentContext,
  validateAttributes,
  validateContext,
} from "./experiment-context.js";
