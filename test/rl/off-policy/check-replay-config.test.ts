import { describe, expect, it } from 'vitest';
import type { RefineContext } from '../../../rl/config/schema.js';
import { checkReplayFitsMinibatch } from '../../../rl/off-policy/check-replay-config.js';

const ctx: RefineContext = {
  path: '',
  fail: (path, value, message, fix) => {
    throw new Error(`${path} (${String(value)}) ${message}; ${fix ?? ''}`);
  },
};

describe('checkReplayFitsMinibatch', () => {
  it('accepts a minibatch no larger than the buffer', () => {
    expect(() => checkReplayFitsMinibatch({ batchSize: 64, bufferSize: 64 }, ctx)).not.toThrow();
  });

  it('names batchSize, the buffer size and the fix when the minibatch is larger', () => {
    expect(() => checkReplayFitsMinibatch({ batchSize: 256, bufferSize: 100 }, ctx)).toThrow(
      'training.batchSize (256) exceeds training.bufferSize (100); raise bufferSize or lower batchSize',
    );
  });
});
