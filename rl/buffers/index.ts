/** Replay buffers: a preallocated ring buffer, a prioritized one on segment trees, and their factory. */
export { type CreateReplayBufferOptions, createReplayBuffer, type Replay } from './create-replay-buffer.js';
export {
  annealBeta,
  type BetaSchedule,
  PrioritizedReplayBuffer,
  type PrioritizedReplayBufferOptions,
  type PrioritizedReplayBufferState,
} from './prioritized-replay-buffer.js';
export {
  type AddResult,
  type ColumnSpec,
  ReplayBuffer,
  type ReplayBufferOptions,
  type ReplayBufferState,
  type TransitionColumnsOptions,
  transitionColumns,
} from './replay-buffer.js';
export { MinSegmentTree, SumSegmentTree } from './segment-tree.js';
