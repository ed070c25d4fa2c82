/** Env runners: step vector envs with a policy and return time-major fragments (see env-runner.ts). */
export { type ActionAdapter, createActionAdapter } from './action-adapter.js';
export { buildEnvRunner, type EnvRunnerSpec, runnerSeed } from './build-env-runner.js';
export { EnvRunner, type EnvRunnerOptions, type EnvRunnerState, type RunnerSample } from './env-runner.js';
export { EnvRunnerActor, EnvRunnerActorImpl } from './env-runner-actor.js';
export { EnvRunnerGroup, type EnvRunnerGroupOptions } from './env-runner-group.js';
export { makeRunnerVectorEnv } from './make-runner-vector-env.js';
export { type VersionedWeights, validateRunnerControl, validateVersionedWeights } from './runner-control.js';
export {
  type FragmentPlain,
  fragmentFromPlain,
  fragmentToPlain,
  type RunnerSampleMeta,
  runnerSampleMetaFromPlain,
} from './runner-sample-codec.js';
