import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { ReplayBuffer, transitionColumns } from '../../../rl/buffers/replay-buffer.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

/** n CartPole-like transitions whose values encode their id: obs = [id, id+0.5], action = id % 2, reward = id. */
function transitions(ids: number[]): SampleBatch {
  const n = ids.length;
  const obs = new Float32Array(n * 2);
  const nextObs = new Float32Array(n * 2);
  const actions = new Int32Array(n);
  const rewards = new Float32Array(n);
  const terminated = new Uint8Array(n);
  const truncated = new Uint8Array(n);
  ids.forEach((id, i) => {
    obs[2 * i] = id;
    obs[2 * i + 1] = id + 0.5;
    nextObs[2 * i] = id + 1;
    nextObs[2 * i + 1] = id + 1.5;
    actions[i] = id % 2;
    rewards[i] = id;
    terminated[i] = id % 3 === 0 ? 1 : 0;
  });
  return new SampleBatch(n, {
    obs,
    nextObs,
    actions,
    rewards,
    terminated,
    truncated,
    logProbs: new Float32Array(n),
  });
}

const columns = transitionColumns({ obsSize: 2, actionSize: 0, actionDtype: 'int32' });

describe('ReplayBuffer', () => {
  it('preallocates exactly the raw arrays', () => {
    const b = new ReplayBuffer({ capacity: 1000, columns });
    // obs + nextObs: 2 x 1000 x 2 x 4 B; actions 4 B; rewards 4 B; terminated, truncated 1 B each.
    expect(b.memoryBytes()).toBe(2 * 1000 * 2 * 4 + 1000 * 4 + 1000 * 4 + 1000 + 1000);
    expect(b.size).toBe(0);
  });

  it('adds batches as a ring, overwriting the oldest rows', () => {
    const b = new ReplayBuffer({ capacity: 4, columns });
    expect(b.add(transitions([0, 1, 2]))).toEqual({ firstIndex: 0, firstRow: 0, numWritten: 3 });
    expect(b.add(transitions([3, 4]))).toEqual({ firstIndex: 3, firstRow: 0, numWritten: 2 });
    expect(b.size).toBe(4);
    expect(b.nextIndex).toBe(1);
    expect(b.numAdded).toBe(5);
    const all = b.gather(new Int32Array([0, 1, 2, 3]));
    expect(Array.from(all.float32('rewards'))).toEqual([4, 1, 2, 3]);
    expect(Array.from(all.float32('obs'))).toEqual([4, 4.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(all.int32('batchIndexes'))).toEqual([0, 1, 2, 3]);
    expect(all.has('logProbs')).toBe(false);
  });

  it('keeps the last capacity rows of a batch larger than the buffer', () => {
    const b = new ReplayBuffer({ capacity: 3, columns });
    b.add(transitions([0]));
    // 5 rows into capacity 3 from nextIndex 1: rows 2, 3, 4 land at indexes 0, 1, 2.
    expect(b.add(transitions([10, 11, 12, 13, 14]))).toEqual({ firstIndex: 0, firstRow: 2, numWritten: 3 });
    expect(b.nextIndex).toBe(0);
    expect(Array.from(b.gather(new Int32Array([0, 1, 2])).float32('rewards'))).toEqual([12, 13, 14]);
  });

  it('samples uniformly with a seeded rng, reproducibly', () => {
    const b = new ReplayBuffer({ capacity: 8, columns });
    b.add(transitions([0, 1, 2, 3, 4, 5, 6, 7]));
    const s1 = b.sample(4000, SeededRng.fromSeed(5));
    const s2 = b.sample(4000, SeededRng.fromSeed(5));
    expect(Array.from(s1.int32('batchIndexes'))).toEqual(Array.from(s2.int32('batchIndexes')));
    const counts = new Array<number>(8).fill(0);
    for (const i of s1.int32('batchIndexes')) counts[i]! += 1;
    // Each index expects 500 draws; sd = sqrt(4000 * 1/8 * 7/8) ~ 21, so 400..600 is ~5 sd.
    for (const c of counts) expect(c).toBeGreaterThan(400);
    for (const c of counts) expect(c).toBeLessThan(600);
    // Rows stay intact: obs[0] = reward = id of the row at that index.
    const obs = s1.float32('obs');
    const rewards = s1.float32('rewards');
    for (let i = 0; i < 50; i++) expect(obs[2 * i]).toBe(rewards[i]);
  });

  it('names the problem for bad batches and empty sampling', () => {
    const b = new ReplayBuffer({ capacity: 4, columns });
    expect(() => b.sample(1, SeededRng.fromSeed(1))).toThrow(/the buffer is empty/);
    const noTrunc = new SampleBatch(1, {
      obs: new Float32Array(2),
      nextObs: new Float32Array(2),
      actions: new Int32Array(1),
      rewards: new Float32Array(1),
      terminated: new Uint8Array(1),
    });
    expect(() => b.add(noTrunc)).toThrow(/the batch has no column 'truncated'/);
    const floatActions = noTrunc.withColumns({ truncated: new Uint8Array(1), actions: new Float32Array(1) });
    expect(() => b.add(floatActions)).toThrow(/column 'actions' is float32; the buffer stores int32/);
    const wide = floatActions.withColumns({ actions: new Int32Array(1), obs: new Float32Array(3) });
    expect(() => b.add(wide)).toThrow(/column 'obs' has rows of 3 elements; the buffer stores shape \[2\]/);
    expect(() => new ReplayBuffer({ capacity: 0, columns })).toThrow(
      /capacity \(0\) must be a positive integer/,
    );
    expect(
      () => new ReplayBuffer({ capacity: 2, columns: { obs: { dtype: 'float32', shape: [0] } } }),
    ).toThrow(/columns.obs.shape \(\[0\]\) must be an array of positive integers/);
  });

  it('stores image rows and continuous actions', () => {
    const img = transitionColumns({ obsSize: 100, actionSize: 2, actionDtype: 'float32' });
    const b = new ReplayBuffer({ capacity: 3, columns: img });
    const obs = new Float32Array(200).map((_, i) => i);
    b.add(
      new SampleBatch(2, {
        obs,
        nextObs: obs,
        actions: new Float32Array([0.5, -0.5, 1, -1]),
        rewards: new Float32Array(2),
        terminated: new Uint8Array(2),
        truncated: new Uint8Array(2),
      }),
    );
    const g = b.gather(new Int32Array([1, 0]));
    expect(g.float32('obs')[0]).toBe(100);
    expect(g.float32('obs')[199]).toBe(99);
    expect(Array.from(g.float32('actions'))).toEqual([1, -1, 0.5, -0.5]);
  });

  it('round-trips its state through msgpackr and resumes the ring exactly', () => {
    const packr = new Packr({ useRecords: false, moreTypes: true });
    const a = new ReplayBuffer({ capacity: 4, columns });
    a.add(transitions([0, 1, 2, 3, 4, 5]));
    const b = new ReplayBuffer({ capacity: 4, columns });
    b.setState(packr.unpack(packr.pack(a.getState())));
    expect([b.size, b.nextIndex, b.numAdded]).toEqual([4, 2, 6]);
    a.add(transitions([6]));
    b.add(transitions([6]));
    const idx = new Int32Array([0, 1, 2, 3]);
    expect(Array.from(b.gather(idx).float32('obs'))).toEqual(Array.from(a.gather(idx).float32('obs')));
    expect(Array.from(b.gather(idx).float32('rewards'))).toEqual([4, 5, 6, 3]);
    // A partly filled buffer too.
    const c = new ReplayBuffer({ capacity: 4, columns });
    c.add(transitions([9]));
    const d = new ReplayBuffer({ capacity: 4, columns });
    d.setState(packr.unpack(packr.pack(c.getState())));
    expect([d.size, d.nextIndex]).toEqual([1, 1]);
    expect(Array.from(d.gather(new Int32Array([0])).float32('nextObs'))).toEqual([10, 10.5]);
  });

  it('rejects states that do not match, naming the field', () => {
    const a = new ReplayBuffer({ capacity: 4, columns });
    a.add(transitions([0, 1]));
    const s = a.getState();
    const b = new ReplayBuffer({ capacity: 4, columns });
    expect(() => b.setState(null)).toThrow(/state must be an object/);
    expect(() => b.setState({ ...s, version: 2 })).toThrow(/state.version \(2\) must be 1/);
    expect(() => new ReplayBuffer({ capacity: 8, columns }).setState(s)).toThrow(
      /state.capacity \(4\) differs from this buffer's capacity \(8\)/,
    );
    expect(() => b.setState({ ...s, nextIndex: 3 })).toThrow(/nextIndex \(3\) must equal state.size \(2\)/);
    const { obs: _obs, ...rest } = s.columns;
    expect(() => b.setState({ ...s, columns: rest })).toThrow(/no column 'obs'/);
    const badObs = { ...s.columns, obs: { dtype: 'float32', shape: [2], data: new Float32Array(3) } };
    expect(() => b.setState({ ...s, columns: badObs })).toThrow(
      /columns.obs.data has 3 elements; expected size x row size = 4/,
    );
    const badDtype = { ...s.columns, rewards: { dtype: 'float32', shape: [], data: new Float64Array(2) } };
    expect(() => b.setState({ ...s, columns: badDtype })).toThrow(
      /columns.rewards is float32 \(data float64\)/,
    );
    expect(() => b.setState({ ...s, columns: { ...s.columns, extra: s.columns['rewards'] } })).toThrow(
      /columns.extra is not a column of this buffer/,
    );
  });
});
