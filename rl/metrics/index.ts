/**
 * Run metrics: the episode window, the per-iteration result row, the results writer and the stop criteria.
 */

export { EpisodeStats, type EpisodeStatsState } from './episode-stats.js';
export {
  type EvaluationResult,
  flattenMetrics,
  type IterationResult,
  type MetricValue,
} from './iteration-result.js';
export { MetricsLogger, type MetricsLoggerOptions } from './metrics-logger.js';
export { type StopCriteria, type StopReason, shouldStop, stopProgress } from './should-stop.js';
export {
  decodeEvent,
  isEventsFileName,
  pruneTensorBoardEvents,
  readTensorBoardEvents,
  readTfRecords,
  type TensorBoardEvent,
  TensorBoardFormatError,
} from './tensorboard-reader.js';
export {
  crc32c,
  encodeEvent,
  encodeHistogramEvent,
  type Histogram,
  histogramOf,
  maskedCrc32c,
  TensorBoardWriter,
  tfRecord,
} from './tensorboard-writer.js';
