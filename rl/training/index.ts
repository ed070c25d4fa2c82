/** The training driver (`rl train`). */
export { buildContext, evaluationRunnerSpec, learnerSpec, trainingRunnerSpecs } from './build-run.js';
export type { CheckpointInfo, EpisodeInfo, TrainCallbacks } from './callbacks.js';
export { type RunSnapshot, readRunCheckpoint, writeRunCheckpoint } from './run-checkpoint.js';
export { type TrainOptions, type TrainResult, train } from './train.js';
