export type {
  ExperimentDefinition,
  ExperimentUnit,
  LayerSlot,
  StickySettings,
  VariantDefinition,
} from "./experiment-definition.js";
export type {
  FeatureSignalsHashing,
  GrowthBookHashing,
  HashingMode,
  HashingModeName,
  HashRange,
  NativeHashing,
  OptimizelyHashing,
  PostHogHashing,
  StatsigHashing,
  UnleashHashing,
} from "./hashing-mode.js";
export {
  type Capability,
  definePlugin,
  type ExperimentPlugin,
  type ExperimentPluginSetup,
  type FeatureFlagPlugin,
  type FlagDefinition,
  type FlagPluginSetup,
  isPluginDefinition,
  type OptionIssue,
  type PluginDeclaration,
  type PluginDefinition,
  type PluginSetup,
} from "./plugins.js";
