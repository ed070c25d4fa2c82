import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { createReplayBuffer, type Replay } from '../../../rl/buffers/create-replay-buffer.js';
import { PrioritizedReplayBuffer } from '../../../rl/buffers/prioritized-replay-buffer.js';
import { ReplayBuffer, transitionColumns } from '../../../rl/buffers/replay-buffer.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

const columns = transitionColumns({ obsSize: 1, actionSize: 0, actionDtype: 'int32' });
const batch = new SampleBatch(2, {
  obs: new Float32Array([1, 2]),
  nextObs: new Float32Array([2, 3]),
  actions: new Int32Array([0, 1]),
  rewards: new Float32Array([1, 1]),
  terminated: new Uint8Array(2),
  truncated: new Uint8Array(2),
});

describe('createReplayBuffer', () => {
  it('builds a uniform or a prioritized buffer behind one Replay interface', () => {
    const uniform: Replay = createReplayBuffer({ capacity: 4, columns });
    const prioritized: Replay = createReplayBuffer({ capacity: 4, columns, prioritized: { alpha: 0.6 } });
    expect(uniform).toBeInstanceOf(ReplayBuffer);
    expect(prioritized).toBeInstanceOf(PrioritizedReplayBuffer);
    for (const r of [uniform, prioritized]) {
      r.add(batch);
      const s = r.sample(3, SeededRng.fromSeed(1), 0.4);
      expect(s.count).toBe(3);
      expect(s.has('batchIndexes')).toBe(true);
    }
    expect(prioritized.sample(2, SeededRng.fromSeed(1), 0.4).has('weights')).toBe(true);
    expect(uniform.sample(2, SeededRng.fromSeed(1), 0.4).has('weights')).toBe(false);
  });
});
