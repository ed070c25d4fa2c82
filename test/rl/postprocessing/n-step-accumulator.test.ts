import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { nStepReturns } from '../../../rl/postprocessing/n-step.js';
import { NStepAccumulator } from '../../../rl/postprocessing/n-step-accumulator.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

const gamma = 0.5;

/** One env step whose obs is [id], nextObs [id + 100], action id. */
function step(id: number, reward: number, terminated = 0, truncated = 0) {
  return {
    obs: [id],
    nextObs: [id + 100],
    actions: [id],
    rewards: [reward],
    terminated: [terminated],
    truncated: [truncated],
  };
}

describe('NStepAccumulator', () => {
  it('emits windows at episode ends and when n steps wait, across pushes (golden)', () => {
    const acc = new NStepAccumulator({
      numEnvs: 1,
      obsSize: 1,
      actionSize: 0,
      actionDtype: 'int32',
      nStep: 3,
      gamma,
    });
    acc.push(step(0, 1));
    acc.push(step(1, 2));
    expect([acc.numWaiting, acc.numReady]).toEqual([2, 0]);
    acc.push(step(2, 4, 1)); // terminated: t0 = 1 + 0.5*2 + 0.25*4 = 3 (m=3), t1 = 2 + 0.5*4 = 4 (m=2), t2 = 4
    expect([acc.numWaiting, acc.numReady]).toEqual([0, 3]);
    let b = acc.drain();
    expect(Array.from(b.float32('rewards'))).toEqual([3, 4, 4]);
    expect(Array.from(b.float32('discounts'))).toEqual([0.125, 0.25, 0.5]);
    expect(Array.from(b.uint8('terminated'))).toEqual([1, 1, 1]);
    expect(Array.from(b.float32('nextObs'))).toEqual([102, 102, 102]);
    expect(Array.from(b.int32('actions'))).toEqual([0, 1, 2]);
    expect(b.shapes['actions']).toEqual([]);
    acc.push(step(3, 8));
    acc.push(step(4, 16, 0, 1)); // truncated: t3 = 8 + 0.5*16 = 16 (m=2), t4 = 16; bootstrap from nextObs of t4
    acc.push(step(5, 32));
    acc.flush(); // t5 = 32, window cut by the flush: bootstrap from nextObs of t5
    b = acc.drain();
    expect(Array.from(b.float32('obs'))).toEqual([3, 4, 5]);
    expect(Array.from(b.float32('rewards'))).toEqual([16, 16, 32]);
    expect(Array.from(b.float32('discounts'))).toEqual([0.25, 0.5, 0.5]);
    expect(Array.from(b.uint8('terminated'))).toEqual([0, 0, 0]);
    expect(Array.from(b.uint8('truncated'))).toEqual([1, 1, 0]);
    expect(Array.from(b.float32('nextObs'))).toEqual([104, 104, 105]);
    expect(acc.drain().count).toBe(0);
  });

  it('emits a full window of n steps inside an episode, one push after another', () => {
    const acc = new NStepAccumulator({
      numEnvs: 1,
      obsSize: 1,
      actionSize: 0,
      actionDtype: 'int32',
      nStep: 3,
      gamma,
    });
    for (let t = 0; t < 4; t++) acc.push(step(t, 1));
    // t0: 1 + 0.5 + 0.25 = 1.75 bootstrapping from nextObs of t2; t1 likewise from t3.
    const b = acc.drain();
    expect(Array.from(b.float32('obs'))).toEqual([0, 1]);
    expect(Array.from(b.float32('rewards'))).toEqual([1.75, 1.75]);
    expect(Array.from(b.float32('nextObs'))).toEqual([102, 103]);
    expect(Array.from(b.float32('discounts'))).toEqual([0.125, 0.125]);
    expect(acc.numWaiting).toBe(2);
  });

  it('matches nStepReturns on a random multi-env rollout, with float action rows', () => {
    const N = 3;
    const T = 60;
    const rng = SeededRng.fromSeed(11);
    const rewards = Array.from({ length: T * N }, () => Math.round(rng.uniform(-4, 4)));
    const terminated = Array.from({ length: T * N }, () => (rng.next() < 0.1 ? 1 : 0));
    const truncated = Array.from({ length: T * N }, () => (rng.next() < 0.08 ? 1 : 0));
    const acc = new NStepAccumulator({
      numEnvs: N,
      obsSize: 2,
      actionSize: 2,
      actionDtype: 'float32',
      nStep: 4,
      gamma,
    });
    const pieces: SampleBatch[] = [];
    for (let t = 0; t < T; t++) {
      const ids = Array.from({ length: N }, (_, n) => t * N + n);
      acc.push({
        obs: ids.flatMap((id) => [id, -id]),
        nextObs: ids.flatMap((id) => [id + 1000, -id]),
        actions: ids.flatMap((id) => [id / 2, 1]),
        rewards: ids.map((i) => rewards[i]!),
        terminated: ids.map((i) => terminated[i]!),
        truncated: ids.map((i) => truncated[i]!),
      });
      // Drain at odd times: fragment boundaries must not change the transitions.
      if (t % 7 === 3) pieces.push(acc.drain());
    }
    acc.flush();
    pieces.push(acc.drain());
    const expected = nStepReturns({
      numSteps: T,
      numEnvs: N,
      nStep: 4,
      gamma,
      rewards,
      terminated,
      truncated,
    });
    // Redo the whole stream without intermediate drains to compare every row.
    const all = new NStepAccumulator({
      numEnvs: N,
      obsSize: 2,
      actionSize: 2,
      actionDtype: 'float32',
      nStep: 4,
      gamma,
    });
    for (let t = 0; t < T; t++) {
      const ids = Array.from({ length: N }, (_, n) => t * N + n);
      all.push({
        obs: ids.flatMap((id) => [id, -id]),
        nextObs: ids.flatMap((id) => [id + 1000, -id]),
        actions: ids.flatMap((id) => [id / 2, 1]),
        rewards: ids.map((i) => rewards[i]!),
        terminated: ids.map((i) => terminated[i]!),
        truncated: ids.map((i) => truncated[i]!),
      });
    }
    all.flush();
    const b = all.drain();
    expect(b.count).toBe(T * N);
    const obs = b.float32('obs');
    const seen = new Set<number>();
    for (let r = 0; r < b.count; r++) {
      const id = obs[2 * r]!;
      seen.add(id);
      expect(b.float32('rewards')[r]).toBeCloseTo(expected.rewards[id]!, 5);
      expect(b.float32('discounts')[r]).toBe(expected.discounts[id]);
      expect(b.uint8('terminated')[r]).toBe(expected.terminated[id]);
      expect(b.uint8('truncated')[r]).toBe(expected.truncated[id]);
      expect(b.float32('nextObs')[2 * r]).toBe(expected.nextRowIndexes[id]! + 1000);
      expect(b.float32('actions')[2 * r]).toBe(id / 2);
    }
    expect(seen.size).toBe(T * N);
    const drained = SampleBatch.concat(pieces);
    for (const name of b.columnNames) expect(Array.from(drained.get(name))).toEqual(Array.from(b.get(name)));
  });

  it('resumes from its state exactly, through msgpackr', () => {
    const packr = new Packr({ useRecords: false, moreTypes: true });
    const options = { numEnvs: 2, obsSize: 1, actionSize: 0, actionDtype: 'int32', nStep: 3, gamma } as const;
    const twoEnvStep = (t: number) => ({
      obs: [t, -t],
      nextObs: [t + 100, -t - 100],
      actions: [t, t],
      rewards: [t, 2 * t],
      terminated: [t % 5 === 4 ? 1 : 0, 0],
      truncated: [0, t % 7 === 6 ? 1 : 0],
    });
    const a = new NStepAccumulator(options);
    for (let t = 0; t < 9; t++) a.push(twoEnvStep(t));
    const b = new NStepAccumulator(options);
    b.setState(packr.unpack(packr.pack(a.getState())));
    expect([b.numWaiting, b.numReady]).toEqual([a.numWaiting, a.numReady]);
    for (let t = 9; t < 20; t++) {
      a.push(twoEnvStep(t));
      b.push(twoEnvStep(t));
    }
    a.flush();
    b.flush();
    const da = a.drain();
    const db = b.drain();
    expect(db.count).toBe(40);
    for (const name of da.columnNames) expect(Array.from(db.get(name))).toEqual(Array.from(da.get(name)));
    const other = new NStepAccumulator({ ...options, nStep: 2 });
    expect(() => other.setState(a.getState())).toThrow(
      /state.nStep \(3\) differs from this accumulator's nStep \(2\)/,
    );
    expect(() => b.setState({ ...a.getState(), waitCount: new Int32Array([3, 0]) })).toThrow(
      /env 0 has waitHead \d+ and waitCount 3; both must be in \[0, 3\)/,
    );
  });

  it('rejects bad options and step arrays with the field named', () => {
    expect(
      () =>
        new NStepAccumulator({
          numEnvs: 1,
          obsSize: 1,
          actionSize: 0,
          actionDtype: 'int32',
          nStep: 0,
          gamma,
        }),
    ).toThrow(/nStep \(0\) must be an integer >= 1/);
    const acc = new NStepAccumulator({
      numEnvs: 2,
      obsSize: 1,
      actionSize: 0,
      actionDtype: 'int32',
      nStep: 2,
      gamma,
    });
    expect(() => acc.push(step(0, 1))).toThrow(/obs has 1 elements; expected 2 envs x 1 = 2/);
  });
});
