export type { BayesOptions, BayesResult, GaussianPrior } from "./bayes.js";
export { bayes } from "./bayes.js";
export { expectedPositivePart, risk } from "./expected-loss.js";
