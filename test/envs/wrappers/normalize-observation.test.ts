import { describe, expect, it } from 'vitest';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { NormalizeObservation } from '../../../envs/wrappers/normalize-observation.js';
import { CountingEnv, ScriptedEnv } from '../fixtures/counting-env.js';

describe('NormalizeObservation', () => {
  it('normalises reset and step observations as Gymnasium does (golden values)', () => {
    // Gymnasium: update the statistics with obs, then (obs - mean) / sqrt(var + 1e-8). Values from numpy.
    const env = new NormalizeObservation(new ScriptedEnv([[2], [4], [-1]], [0, 0]));
    expect(env.reset().obs[0]).toBeCloseTo(0.008944093012040463, 6);
    expect(env.step(0).obs[0]).toBeCloseTo(0.9999250521616136, 6);
    expect(env.step(0).obs[0]).toBeCloseTo(-1.2977466086558067, 6);
    expect(env.observationSpace.toJson()).toMatchObject({ dtype: 'float32', low: [null], high: [null] });
  });

  it('does not update when frozen, and restores saved statistics', () => {
    const env = new NormalizeObservation(new ScriptedEnv([[2], [4], [-1]], [0, 0]));
    env.reset();
    env.step(0);
    const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const evalEnv = new NormalizeObservation(new ScriptedEnv([[2], [4], [-1]], [0, 0]), { frozen: true });
    evalEnv.setState(saved);
    const before = evalEnv.getState();
    evalEnv.reset();
    evalEnv.step(0);
    expect(evalEnv.getState()).toEqual(before);
    expect(() => evalEnv.setState({ mean: [1, 2] })).toThrow('NormalizeObservation.setState: state.mean');
  });

  it('clips when asked and rejects non-Box observation spaces', () => {
    // 30 zeros then 1000: z = (1000 - mean) / std = sqrt(30) > 5 (population statistics of 31 samples).
    const script = [...Array.from({ length: 30 }, () => [0]), [1000]];
    const env = new NormalizeObservation(new ScriptedEnv(script, Array(30).fill(0)), { clip: 5 });
    env.reset();
    for (let i = 0; i < 29; i++) env.step(0);
    expect(env.step(0).obs[0]).toBe(5);
    expect(env.observationSpace.high[0]).toBe(5);
    const discreteObs = new CountingEnv();
    Object.defineProperty(discreteObs, 'observationSpace', { value: new Discrete(3) });
    expect(() => new NormalizeObservation(discreteObs)).toThrow(
      'observation space must be a Box, got Discrete',
    );
  });
});
