/**
 * The progress display of `rl train` (tty status line, plain lines, or JSON per iteration).
 */

export { formatCount, formatDuration, formatReturn } from './format.js';
export {
  ProgressDisplay,
  type ProgressDisplayOptions,
  type ProgressMode,
  type ProgressStream,
  type ProgressSummary,
} from './progress-display.js';
