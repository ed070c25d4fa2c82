/**
 * Hooks into a training run, for logging to anything besides the run directory's own files
 * (results.jsonl, progress.csv, TensorBoard events): a metrics service, a database, a chat message.
 * Every hook is awaited before the run goes on, so a slow hook slows training; a hook that throws
 * fails the run (after the runners and learner are closed). See docs/callbacks.md.
 */
import type { IterationResult } from '../metrics/iteration-result.js';

/** One finished training episode. */
export interface EpisodeInfo {
  /** Undiscounted return. */
  readonly episodeReturn: number;
  /** Env steps in the episode. */
  readonly length: number;
  /** The 1-based iteration whose sampling finished it. */
  readonly iteration: number;
  /** Lifetime env steps at the end of that iteration. */
  readonly envSteps: number;
}

/** A checkpoint just written. */
export interface CheckpointInfo {
  /** The checkpoint directory (`<runDir>/checkpoints/<iteration>`), loadable by `loadPolicy`. */
  readonly dir: string;
  readonly iteration: number;
  readonly envSteps: number;
}

/** The hooks of `train(config, options)`; all optional. */
export interface TrainCallbacks {
  /** After every iteration, with its result row (the row results.jsonl gets). */
  readonly onIteration?: (result: IterationResult) => void | Promise<void>;
  /**
   * For every training episode that ended in an iteration, in order, before that iteration's
   * `onIteration`. Episodes finish inside env runners during sampling, which may run in other
   * processes; they are reported once the iteration's samples are back.
   */
  readonly onEpisode?: (episode: EpisodeInfo) => void | Promise<void>;
  /** After every checkpoint is written (periodic, final and on interruption). */
  readonly onCheckpoint?: (checkpoint: CheckpointInfo) => void | Promise<void>;
}
