/**
 * tsrl's environments layer: the Env contract, spaces, the seeded RNG, the registry, wrappers,
 * vector envs, the env checker and the built-in envs (importing this module registers them, so
 * `makeEnv('CartPole-v1')` works). The remote env protocol lives in `envs/remote/index.js`; import
 * it to make `tcp://` and `ipc://` ids resolvable (it loads zeromq, so it is not imported here).
 */
export {
  AcrobotEnv,
  type AcrobotOptions,
  BUILTIN_ENVS,
  type BuiltinEnvEntry,
  type BuiltinEnvOptions,
  CartPoleEnv,
  type CartPoleOptions,
  MountainCarContinuousEnv,
  type MountainCarContinuousOptions,
  MountainCarEnv,
  type MountainCarOptions,
  PendulumEnv,
  type PendulumOptions,
  registerBuiltinEnvs,
} from './builtin/index.js';
export { type CheckEnvOptions, checkEnv } from './check-env.js';
export { checkVectorEnv } from './check-vector-env.js';
export { didYouMean } from './did-you-mean.js';
export type { Env, EnvSpec, Info, ResetOptions, ResetResult, StepResult } from './env.js';
export {
  type EnvCheckReport,
  type EnvProblem,
  type EnvProblemCode,
  formatEnvCheckReport,
} from './env-check-report.js';
export {
  type EnvFactory,
  type EnvOptions,
  type EnvRegistration,
  type EnvResolver,
  findEnvResolver,
  isModuleId,
  listEnvs,
  makeEnv,
  makeEnvAsync,
  type RegisteredEnv,
  registerEnv,
  registerEnvResolver,
  resolveEnvFactory,
  UnknownEnvError,
  unregisterEnv,
} from './registry.js';
export { type RngState, SeededRng } from './rng.js';
export * from './spaces/index.js';
export { type MakeVectorEnvOptions, makeVectorEnv } from './vector/make-vector-env.js';
export {
  type EnvSource,
  SyncVectorEnv,
  VectorEnvError,
  type VectorResetOptions,
} from './vector/sync-vector-env.js';
export type { VectorEnv, VectorResetResult, VectorStepResult } from './vector/vector-env.js';
export * from './wrappers/index.js';
