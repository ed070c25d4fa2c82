/**
 * tsrl's public API: `import { ... } from 'tsrl'`. Each layer also has its own index:
 * core (runtime), envs (spaces, envs, vector envs, remote envs), rl (shared RL machinery),
 * algorithms (PPO, DQN, SAC, APEX-DQN).
 */
export { createLogger, setLogLevel } from './core/logger.js';
export type { Env, EnvSpec, Info, ResetOptions, ResetResult, StepResult } from './envs/env.js';
export type { Space, SpaceJson, SpaceValue } from './envs/spaces/space.js';
export type { VectorEnv, VectorResetResult, VectorStepResult } from './envs/vector/vector-env.js';
export { TSRL_VERSION } from './rl/version.js';
