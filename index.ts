/**
 * tsrl's public API: `import { ... } from 'tsrl'`.
 *
 * - runtime (core/): init, shutdown, remoteFunction, remoteClass, put, get, wait, ...
 * - envs (envs/): spaces, Env, makeEnv/registerEnv, built-in envs, wrappers, vector envs, checkEnv
 * - remote envs (envs/remote/): ZmqVectorEnv, serveEnv (import 'tsrl' loads zeromq anyway via core)
 * - RL machinery (rl/): config loading, sample batches, buffers, models, training, evaluation, checkpoints,
 *   trained policies (`loadPolicy(checkpoint).computeAction(obs)`)
 * - algorithms (algorithms/): ppo, dqn, sac and the registry
 */
export * from './algorithms/index.js';
export { loadPolicy } from './algorithms/load-policy.js';
export * from './core/index.js';
export { createLogger, type LogLevel, setLogLevel, setLogSink } from './core/logger.js';
export * from './envs/index.js';
export * from './envs/remote/index.js';
export type * from './rl/algorithm.js';
export * from './rl/backend/backend.js';
export * from './rl/buffers/index.js';
export * from './rl/checkpoint/index.js';
export * from './rl/config/index.js';
export * from './rl/dashboard/index.js';
export * from './rl/distributions/index.js';
export * from './rl/evaluation/index.js';
export * from './rl/export/index.js';
export * from './rl/metrics/index.js';
export * from './rl/models/index.js';
export * from './rl/optim/index.js';
export * from './rl/plot/index.js';
export * from './rl/policy/index.js';
export * from './rl/postprocessing/index.js';
export * from './rl/sample-batch/index.js';
export * from './rl/training/index.js';
export { TSRL_VERSION } from './rl/version.js';
