/** Evaluation: separate evaluation runners during training, and `rl evaluate` on a checkpoint. */
export {
  type CheckpointEvaluation,
  type EvaluateCheckpointOptions,
  evaluateCheckpoint,
} from './evaluate-checkpoint.js';
export { Evaluator, summarizeEpisodes } from './evaluator.js';
export { renderFrame } from './render-frame.js';
