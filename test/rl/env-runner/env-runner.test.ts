import { describe, expect, it } from 'vitest';
import { ObjectRef } from '../../../core/object-ref.js';
import type { SeededRng } from '../../../envs/rng.js';
import { Box } from '../../../envs/spaces/box.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import type { VectorEnv, VectorStepResult } from '../../../envs/vector/vector-env.js';
import type { InferencePolicy, PolicyOutput } from '../../../rl/algorithm.js';
import { EnvRunner } from '../../../rl/env-runner/env-runner.js';
import {
  type FragmentPlain,
  fragmentFromPlain,
  fragmentToPlain,
  runnerSampleMeta,
  runnerSampleMetaFromPlain,
} from '../../../rl/env-runner/runner-sample-codec.js';
import { Columns } from '../../../rl/sample-batch/columns.js';

/**
 * Two envs with a 1-number observation (the step count within the episode, from 0). Env 0 terminates
 * after 3 steps; env 1 is truncated after 2 steps. Reward = 1 + 10 * env index. Same-step autoreset.
 */
class ScriptedVectorEnv implements VectorEnv<number> {
  readonly numEnvs = 2;
  readonly obsSize = 1;
  readonly singleObservationSpace = new Box({ low: [0], high: [100], dtype: 'float32' });
  readonly singleActionSpace = new Discrete(3, 5);
  readonly spec = { id: 'Scripted', maxEpisodeSteps: 2 };
  readonly actionsSeen: number[][] = [];
  private t = [0, 0];
  async reset() {
    this.t = [0, 0];
    return { obs: Float32Array.from(this.t), infos: [{}, {}] };
  }
  async step(actions: readonly number[]): Promise<VectorStepResult> {
    this.actionsSeen.push([...actions]);
    const r: VectorStepResult = {
      obs: new Float32Array(2),
      rewards: Float32Array.from([1, 11]),
      terminated: new Uint8Array(2),
      truncated: new Uint8Array(2),
      finalObs: new Float32Array(2),
      infos: [{}, {}],
    };
    for (let i = 0; i < 2; i++) {
      this.t[i]! += 1;
      const ended = i === 0 ? this.t[i] === 3 : this.t[i] === 2;
      if (ended) {
        if (i === 0) r.terminated[i] = 1;
        else r.truncated[i] = 1;
        r.finalObs[i] = this.t[i]!;
        this.t[i] = 0;
      }
      r.obs[i] = this.t[i]!;
    }
    return r;
  }
  async close() {}
}

/** Action = obs mod 3; logProb = -obs; V(s) = 100 + obs. */
class ScriptedPolicy implements InferencePolicy {
  readonly extraColumns = [Columns.LOG_PROBS, Columns.VALUE_PREDS];
  explorations: boolean[] = [];
  setWeights() {}
  act(obs: Float32Array, n: number, explore: boolean, _rng: SeededRng, out: PolicyOutput) {
    this.explorations.push(explore);
    for (let i = 0; i < n; i++) {
      out.actions[i] = obs[i]! % 3;
      out.extras[Columns.LOG_PROBS]![i] = -obs[i]!;
      out.extras[Columns.VALUE_PREDS]![i] = 100 + obs[i]!;
    }
  }
  values(obs: Float32Array, n: number, out: Float32Array) {
    for (let i = 0; i < n; i++) out[i] = 100 + obs[i]!;
  }
}

describe('EnvRunner', () => {
  it('returns a time-major fragment with V(finalObs) on truncation only, and the ended episodes', async () => {
    const env = new ScriptedVectorEnv();
    const runner = await EnvRunner.create({
      env,
      policy: new ScriptedPolicy(),
      rolloutFragmentLength: 4,
      seed: 1,
    });
    const { fragment, episodes, envSteps } = await runner.sample();
    const b = fragment.batch;
    expect(envSteps).toBe(8);
    expect(b.count).toBe(8);
    // Rows t * N + n. Env 0 obs: 0 1 2 | 0 ; env 1 obs: 0 1 | 0 1.
    expect(Array.from(b.float32(Columns.OBS))).toEqual([0, 0, 1, 1, 2, 0, 0, 1]);
    expect(Array.from(b.int32(Columns.ACTIONS))).toEqual([0, 0, 1, 1, 2, 0, 0, 1]);
    // Actions reach the env offset by Discrete.start (5).
    expect(env.actionsSeen[2]).toEqual([7, 5]);
    expect(Array.from(b.uint8(Columns.TERMINATED))).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(b.uint8(Columns.TRUNCATED))).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(b.float32(Columns.REWARDS))).toEqual([1, 11, 1, 11, 1, 11, 1, 11]);
    expect(Array.from(b.float32(Columns.LOG_PROBS))).toEqual([-0, -0, -1, -1, -2, -0, -0, -1]);
    // Truncated rows bootstrap from V(finalObs = 2) = 102; the terminated row gets nothing.
    expect(Array.from(b.float32(Columns.FINAL_VALUE_PREDS))).toEqual([0, 0, 0, 102, 0, 0, 0, 102]);
    // After the last step: env 0 is at obs 1, env 1 at obs 0 (just reset).
    expect(Array.from(fragment.lastValues!)).toEqual([101, 100]);
    expect(episodes.returns).toEqual([22, 3, 22]);
    expect(episodes.lengths).toEqual([2, 3, 2]);
  });

  it('carries episode returns across fragments and records nextObs when asked', async () => {
    const runner = await EnvRunner.create({
      env: new ScriptedVectorEnv(),
      policy: new ScriptedPolicy(),
      rolloutFragmentLength: 2,
      seed: 1,
      recordNextObs: true,
    });
    const first = await runner.sample();
    expect(first.episodes.returns).toEqual([22]);
    // Env 0: steps 0->1, 1->2; env 1: 0->1, 1->final 2 (reset to 0).
    expect(Array.from(first.fragment.batch.float32(Columns.NEXT_OBS))).toEqual([1, 1, 2, 2]);
    const second = await runner.sample();
    // Env 0's episode of 3 steps spans both fragments.
    expect(second.episodes.returns).toContain(3);
  });

  it('passes explore=false to the policy in deterministic mode and evaluates whole episodes', async () => {
    const policy = new ScriptedPolicy();
    const runner = await EnvRunner.create({
      env: new ScriptedVectorEnv(),
      policy,
      rolloutFragmentLength: 2,
      seed: 1,
      explore: false,
    });
    await runner.reset(3);
    const episodes = await runner.sampleEpisodes(3);
    expect(episodes.returns).toEqual([22, 3, 22]);
    expect(policy.explorations.every((e) => e === false)).toBe(true);
  });

  it("round-trips a fragment and a sample's metadata through their plain forms and rejects malformed ones", async () => {
    const runner = await EnvRunner.create({
      env: new ScriptedVectorEnv(),
      policy: new ScriptedPolicy(),
      rolloutFragmentLength: 3,
      seed: 1,
    });
    const s = await runner.sample();
    const back = fragmentFromPlain(structuredClone(fragmentToPlain(s.fragment)));
    expect(Array.from(back.batch.float32(Columns.OBS))).toEqual(
      Array.from(s.fragment.batch.float32(Columns.OBS)),
    );
    expect(back.numEnvs).toBe(s.fragment.numEnvs);
    expect(() => fragmentFromPlain({ ...fragmentToPlain(s.fragment), numEnvs: 4 })).toThrow(/numEnvs \(4\)/);
    const ref = new ObjectRef<FragmentPlain>(7);
    const meta = runnerSampleMetaFromPlain(runnerSampleMeta(s, 3, ref));
    expect(meta.fragment).toBe(ref);
    expect(meta.episodes).toEqual(s.episodes);
    expect(meta.weightsVersion).toBe(3);
    // The metadata carries no rows.
    expect(Object.keys(meta).sort()).toEqual([
      'envSteps',
      'episodes',
      'fragment',
      'numEnvs',
      'weightsVersion',
    ]);
    expect(() => runnerSampleMetaFromPlain({ ...meta, fragment: fragmentToPlain(s.fragment) })).toThrow(
      /fragment must be an ObjectRef/,
    );
    expect(() => runnerSampleMetaFromPlain({ ...meta, weightsVersion: -2 })).toThrow(/weightsVersion \(-2\)/);
  });

  it('rejects a bad fragment length', async () => {
    await expect(
      EnvRunner.create({
        env: new ScriptedVectorEnv(),
        policy: new ScriptedPolicy(),
        rolloutFragmentLength: 0,
        seed: 1,
      }),
    ).rejects.toThrow(/rolloutFragmentLength \(0\) must be a positive integer/);
  });
});
