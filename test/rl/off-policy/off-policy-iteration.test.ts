import { describe, expect, it } from 'vitest';
import type {
  Fragment,
  IterationServices,
  LearnerStats,
  RunnerControl,
  UpdateInfo,
} from '../../../rl/algorithm.js';
import type { PrioritizedReplayBuffer } from '../../../rl/buffers/prioritized-replay-buffer.js';
import type { ReplayBuffer } from '../../../rl/buffers/replay-buffer.js';
import { OffPolicyIteration, prioritiesFromTdErrors } from '../../../rl/off-policy/off-policy-iteration.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

/** A [T, N=1] fragment of a 1-D chain: obs t, reward t + 1, nextObs t + 1; `ends` marks terminations. */
function chain(start: number, T: number, ends: number[] = []): Fragment {
  const obs = Float32Array.from({ length: T }, (_, t) => start + t);
  const batch = new SampleBatch(
    T,
    {
      [Columns.OBS]: obs,
      [Columns.NEXT_OBS]: obs.map((o) => o + 1),
      [Columns.ACTIONS]: new Int32Array(T),
      [Columns.REWARDS]: obs.map((o) => o + 1),
      [Columns.TERMINATED]: Uint8Array.from(obs, (o) => (ends.includes(o) ? 1 : 0)),
      [Columns.TRUNCATED]: new Uint8Array(T),
    },
    { [Columns.OBS]: [1], [Columns.NEXT_OBS]: [1], [Columns.ACTIONS]: [] },
  );
  return { batch, numEnvs: 1 };
}

/**
 * Services over a queue of fragments, recording update calls and runner controls; `td` is the TD
 * error `updateWithTdErrors` reports for every row (a number), or a malformed result (an array).
 */
function fakeServices(fragments: Fragment[], td?: number | Float32Array) {
  const updates: { rows: number; info: UpdateInfo }[] = [];
  const controls: RunnerControl[] = [];
  let syncs = 0;
  const services: IterationServices = {
    numRunners: 1,
    runnersAreActors: false,
    async sample() {
      const f = fragments.shift()!;
      return {
        fragments: [{ kind: 'local', fragment: f }],
        episodes: { returns: [], lengths: [] },
        envSteps: f.batch.count,
        runnerIndexes: [0],
        weightLags: [0],
        episodeRunners: [],
      };
    },
    async resolve(fs) {
      return fs.map((f) => (f.kind === 'local' ? f.fragment : fragments[0]!));
    },
    async update(fs, info): Promise<LearnerStats> {
      const f = fs[0]!;
      updates.push({ rows: f.kind === 'local' ? f.fragment.batch.count : -1, info });
      return { loss: 1 };
    },
    async updateWithTdErrors(batch, info) {
      updates.push({ rows: batch.count, info });
      const tdErrors = typeof td === 'number' ? new Float32Array(batch.count).fill(td) : td!;
      return { stats: { loss: 1 }, tdErrors };
    },
    async syncWeights() {
      syncs++;
    },
    setRunnerControl(control) {
      controls.push(control as RunnerControl);
    },
  };
  return { services, updates, controls, syncs: () => syncs };
}

const options = {
  obsSize: 1,
  actionSize: 0,
  actionDtype: 'int32' as const,
  gamma: 0.5,
  nStep: 2,
  bufferSize: 100,
  batchSize: 2,
  learningStarts: 4,
  trainingIntensity: 0.5,
  saveReplayBuffer: true,
  seed: 3,
};

describe('OffPolicyIteration', () => {
  it('keeps n-step windows across fragment boundaries and stops them at terminations', async () => {
    const it0 = new OffPolicyIteration(options);
    const { services } = fakeServices([chain(0, 3), chain(3, 3, [4])]);
    await it0.run(services, { iteration: 0, envSteps: 0 });
    await it0.run(services, { iteration: 1, envSteps: 3 });
    const b = (it0.buffer as ReplayBuffer).gather(Int32Array.from({ length: it0.buffer.size }, (_, i) => i));
    // Windows of 2 steps: obs 0 -> r 1 + 0.5 * 2 = 2, nextObs 2; obs 1 -> 2 + 0.5 * 3 = 3.5 (crosses the fragment
    // boundary at obs 2/3); obs 2 -> 3 + 0.5 * 4 = 5; obs 3 -> 4 + 0.5 * 5 = 6.5, terminated at obs 4; obs 4 -> 5 (1 step, terminated).
    expect(Array.from(b.float32(Columns.OBS))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(b.float32(Columns.REWARDS))).toEqual([2, 3.5, 5, 6.5, 5]);
    expect(Array.from(b.float32(Columns.NEXT_OBS))).toEqual([2, 3, 4, 5, 5]);
    expect(Array.from(b.float32(Columns.DISCOUNTS))).toEqual([0.25, 0.25, 0.25, 0.25, 0.5]);
    expect(Array.from(b.uint8(Columns.TERMINATED))).toEqual([0, 0, 0, 1, 1]);
  });

  it('waits for learningStarts, then runs trainingIntensity x env steps updates and syncs every iteration', async () => {
    const it0 = new OffPolicyIteration(options);
    const fake = fakeServices([chain(0, 3), chain(3, 3), chain(6, 3)]);
    const r0 = await it0.run(fake.services, { iteration: 0, envSteps: 0 });
    expect(fake.updates).toHaveLength(0);
    expect(r0.learner['gradSteps']).toBe(0);
    await it0.run(fake.services, { iteration: 1, envSteps: 3 }); // 6 >= 4: 3 x 0.5 = 1.5 -> 1 step
    await it0.run(fake.services, { iteration: 2, envSteps: 6 }); // 1.5 + 0.5 carried -> 2 steps
    expect(fake.updates.map((u) => u.info.envSteps)).toEqual([6, 9, 9]);
    expect(fake.updates.every((u) => u.rows === 2)).toBe(true);
    expect(fake.syncs()).toBe(3);
  });

  it('writes |TD| + eps from the update result back as priorities; rejects a malformed result', async () => {
    const prioritized = { alpha: 1, betaStart: 0.4, betaAnnealEnvSteps: 100, eps: 0.25 };
    const it0 = new OffPolicyIteration({
      ...options,
      learningStarts: 0,
      trainingIntensity: 1 / 3,
      prioritized,
    });
    const fake = fakeServices([chain(0, 3)], -0.5);
    const r = await it0.run(fake.services, { iteration: 0, envSteps: 0 });
    const buffer = it0.buffer as PrioritizedReplayBuffer;
    const priorities = Array.from({ length: buffer.size }, (_, i) => buffer.getPriority(i));
    expect(priorities.filter((p) => p === 0.75).length).toBeGreaterThan(0);
    expect(r.learner['beta']).toBeCloseTo(0.4 + 0.6 * (3 / 100));
    // One TD error per minibatch row (batchSize 2) or the iteration refuses it.
    const short = fakeServices([chain(3, 3)], new Float32Array(1));
    await expect(it0.run(short.services, { iteration: 1, envSteps: 3 })).rejects.toThrow(/Float32Array of 2/);
    expect(() => prioritiesFromTdErrors(Float32Array.of(Number.NaN), 1, 0.1)).toThrow(/not finite/);
  });

  it('sends the exploration control before each sampling round and reports epsilon', async () => {
    const it0 = new OffPolicyIteration({
      ...options,
      exploration: (envSteps, gradSteps) => ({ epsilon: gradSteps === 0 ? 1 : 1 / (1 + envSteps) }),
    });
    const fake = fakeServices([chain(0, 3), chain(3, 3), chain(6, 3)]);
    const r0 = await it0.run(fake.services, { iteration: 0, envSteps: 0 });
    await it0.run(fake.services, { iteration: 1, envSteps: 3 }); // first gradient step here
    const r2 = await it0.run(fake.services, { iteration: 2, envSteps: 6 });
    expect(fake.controls).toEqual([{ epsilon: 1 }, { epsilon: 1 }, { epsilon: 1 / 7 }]);
    expect(r0.learner['epsilon']).toBe(1);
    expect(r2.learner['epsilon']).toBeCloseTo(1 / 7);
  });

  it('restores buffer, n-step windows, credit and sampling RNG from its state', async () => {
    const a = new OffPolicyIteration(options);
    const fa = fakeServices([chain(0, 3), chain(3, 3), chain(6, 3)]);
    await a.run(fa.services, { iteration: 0, envSteps: 0 });
    await a.run(fa.services, { iteration: 1, envSteps: 3 });
    const b = new OffPolicyIteration(options);
    b.setState(a.getState());
    expect(b.buffer.size).toBe(a.buffer.size);
    const sa = fakeServices([chain(6, 3)]);
    const sb = fakeServices([chain(6, 3)]);
    const calls: number[][] = [];
    for (const [it, s] of [
      [a, sa],
      [b, sb],
    ] as const) {
      const seen: number[] = [];
      const update = s.services.update;
      s.services.update = async (fs, info) => {
        const f = fs[0]!;
        if (f.kind === 'local') seen.push(...f.fragment.batch.float32(Columns.OBS));
        return update(fs, info);
      };
      await it.run(s.services, { iteration: 2, envSteps: 6 });
      calls.push(seen);
    }
    expect(calls[1]).toEqual(calls[0]);
    expect(b.buffer.size).toBe(a.buffer.size);
    expect(() => b.setState({ json: { version: 2 }, arrays: [] })).toThrow(/version 1/);
  });
});
