/** The config check every replay-based algorithm shares. */
import type { RefineContext } from '../config/schema.js';

/** Fails `training.batchSize` when a minibatch cannot be drawn from a buffer of `training.bufferSize`. */
export function checkReplayFitsMinibatch(
  training: { readonly batchSize: number; readonly bufferSize: number },
  ctx: RefineContext,
): void {
  if (training.batchSize > training.bufferSize) {
    ctx.fail(
      'training.batchSize',
      training.batchSize,
      `exceeds training.bufferSize (${training.bufferSize})`,
      'raise bufferSize or lower batchSize',
    );
  }
}
