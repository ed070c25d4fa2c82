/**
 * Checkpoints: `<runDir>/checkpoints/<iteration>/` with a JSON manifest and raw little-endian blobs,
 * written atomically and verified on load.
 */

export { CheckpointError, type CheckpointErrorKind } from './checkpoint-error.js';
export {
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpointDir,
} from './load-checkpoint.js';
export {
  BLOB_DTYPES,
  type BlobDtype,
  type BlobEntry,
  type BlobGroup,
  BYTES_PER_ELEMENT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointCounters,
  type CheckpointManifest,
  type CheckpointSpaces,
  validateManifest,
} from './manifest.js';
export { pruneCheckpoints } from './prune-checkpoints.js';
export {
  type BlobArray,
  type CheckpointBlob,
  type CheckpointPayload,
  checkpointsDirOf,
  dtypeOfArray,
  saveCheckpoint,
} from './save-checkpoint.js';
