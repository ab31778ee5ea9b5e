export * from "./context/index.js";
export * from "./errors/index.js";
export * from "./options/index.js";
export * from "./plugin/index.js";
export * from "./records/index.js";
export * from "./store/index.js";
export * from "./targeting/index.js";
export * from "./variant/index.js";
