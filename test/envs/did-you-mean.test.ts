import { describe, expect, it } from 'vitest';
import { levenshtein } from '../../core/did-you-mean.js';
import { didYouMean, didYouMeanSuffix } from '../../envs/did-you-mean.js';

describe('didYouMean', () => {
  it('computes edit distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('cartpole', 'cartpole')).toBe(0);
    expect(levenshtein('', 'abc')).toBe(3);
  });

  it('suggests close names and nothing for distant ones', () => {
    const ids = ['CartPole-v1', 'Pendulum-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Acrobot-v1'];
    expect(didYouMean('CartPole-v0', ids)).toBe('CartPole-v1');
    expect(didYouMean('cartpole', ids)).toBe('CartPole-v1');
    expect(didYouMean('Pendulum', ids)).toBe('Pendulum-v1');
    expect(didYouMean('Breakout-v5', ids)).toBeUndefined();
    expect(didYouMeanSuffix('Acrobat-v1', ids)).toBe(" Did you mean 'Acrobot-v1'?");
    expect(didYouMeanSuffix('zzz', ids)).toBe('');
  });
});
