// The one place reflect-metadata is imported: inversify needs the global Reflect API, libraries never import it.
import "reflect-metadata";

export { Assay, type ExperimentRoute, type RecordOptions } from "./assay-client.js";
export { type CreateAssayOptions, createAssay } from "./create-assay.js";
export { type LoadedPlugin, loadPlugins } from "./load-plugins.js";
export { TOKENS } from "./tokens.js";
