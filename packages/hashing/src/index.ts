export * from "./native/index.js";
export * from "./vendors/index.js";
