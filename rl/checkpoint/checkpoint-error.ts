/**
 * The error a bad checkpoint raises: what is wrong, where, and whether the checkpoint is missing,
 * corrupt (bad JSON, missing file, checksum or size mismatch) or incompatible (other format version,
 * other algorithm).
 */

/** Why a checkpoint could not be used. */
export type CheckpointErrorKind = 'missing' | 'corrupt' | 'incompatible';

/** A checkpoint could not be written or read. The message names the path and the problem. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly kind: CheckpointErrorKind;
  /** The checkpoint directory (or the path given, when none was found). */
  readonly path: string;

  constructor(kind: CheckpointErrorKind, path: string, message: string) {
    super(`checkpoint ${path}: ${message}`);
    this.kind = kind;
    this.path = path;
  }
}
