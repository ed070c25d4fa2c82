/**
 * Runs `fn` with synchronous tensor reads disabled: `dataSync` (through which `arraySync` and
 * `bufferSync` read too) throws as it does on webgpu in Node (`OffscreenCanvas is not defined`). Code
 * that passes under it reads tensors only with `await t.data()`.
 */
import { requireTf } from '../../rl/backend/backend.js';

export async function withoutSyncReads<T>(fn: () => Promise<T> | T): Promise<T> {
  const proto = requireTf().Tensor.prototype as { dataSync: () => unknown };
  const original = proto.dataSync;
  proto.dataSync = () => {
    throw new Error('synchronous read-back (dataSync) under withoutSyncReads');
  };
  try {
    return await fn();
  } finally {
    proto.dataSync = original;
  }
}
