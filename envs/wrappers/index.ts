/**
 * Env wrappers (Gymnasium 1.x semantics): each is an Env around an Env.
 */
export { ClipAction } from './clip-action.js';
export { ClipReward } from './clip-reward.js';
export { FrameStack, type FrameStackOptions } from './frame-stack.js';
export { NormalizeObservation, type NormalizeObservationOptions } from './normalize-observation.js';
export {
  NormalizeReward,
  type NormalizeRewardOptions,
  type NormalizeRewardState,
} from './normalize-reward.js';
export {
  type EpisodeStatistics,
  RecordEpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './record-episode-statistics.js';
export { RescaleAction } from './rescale-action.js';
export { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.js';
export { TimeLimit } from './time-limit.js';
export { findWrapper, isWrapper, unwrapEnv, type Wrapper } from './wrapper.js';
