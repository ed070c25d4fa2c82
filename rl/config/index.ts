/**
 * Typed, validated configs: the schema toolkit, the common sections, layering and saving.
 */

export {
  ACTIVATIONS,
  BACKENDS,
  type BuildConfigSchemaOptions,
  buildConfigSchema,
  COMMON_SECTIONS,
  type CommonConfig,
  type ConfigShape,
  envStepsPerSampleRound,
  type TrainConfig,
} from './common.js';
export { ConfigError, type ConfigIssue, formatIssue, formatValue } from './config-error.js';
export { type ConfigKeyDoc, describeSchema, formatConfigReference } from './describe.js';
export { didYouMean, divisorsNear, formatChoices, levenshtein } from './did-you-mean.js';
export {
  type LoadedConfigFile,
  loadConfigFile,
  parseSetOverride,
  type ResolveConfigOptions,
  resolveConfig,
  type SetOverride,
  schemaAt,
} from './resolve.js';
export { type SavedConfigPaths, saveResolvedConfig } from './save-config.js';
export {
  deepFreeze,
  type Infer,
  type InferShape,
  type JsonValue,
  joinPath,
  ObjectSchema,
  type OptionalSchema,
  type RefineContext,
  type Schema,
  type SchemaKind,
  type Shape,
  s,
} from './schema.js';
