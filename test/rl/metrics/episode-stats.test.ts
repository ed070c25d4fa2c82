import { describe, expect, it } from 'vitest';
import { EpisodeStats } from '../../../rl/metrics/episode-stats.js';

describe('EpisodeStats', () => {
  it('gives null means before the first episode', () => {
    const stats = new EpisodeStats(3);
    expect(stats.returnMean).toBeNull();
    expect(stats.lenMean).toBeNull();
    expect(stats.returnMin).toBeNull();
    expect(stats.episodes).toBe(0);
  });

  it('averages over the last windowEpisodes episodes only', () => {
    const stats = new EpisodeStats(3);
    stats.addMany([10, 20, 30, 40], [1, 2, 3, 4]);
    // Window holds 20, 30, 40: mean 30; lengths 2, 3, 4: mean 3.
    expect(stats.returnMean).toBe(30);
    expect(stats.lenMean).toBe(3);
    expect(stats.returnMin).toBe(20);
    expect(stats.returnMax).toBe(40);
    expect(stats.episodes).toBe(4);
    expect(stats.windowSize).toBe(3);
  });

  it('round-trips its state, oldest first, and can shrink the window', () => {
    const stats = new EpisodeStats(3);
    stats.addMany([1, 2, 3, 4, 5], [5, 5, 5, 5, 6]);
    const state = stats.state();
    expect(state).toEqual({ windowEpisodes: 3, episodes: 5, returns: [3, 4, 5], lengths: [5, 5, 6] });
    const back = EpisodeStats.fromState(JSON.parse(JSON.stringify(state)));
    back.add(6, 1);
    expect(back.returnMean).toBe(5);
    expect(back.episodes).toBe(6);
    expect(EpisodeStats.fromState(state, 2).returnMean).toBe(4.5);
  });

  it('rejects invalid input with the value', () => {
    expect(() => new EpisodeStats(0)).toThrow('EpisodeStats: windowEpisodes (0) must be an integer >= 1.');
    const stats = new EpisodeStats(2);
    expect(() => stats.add(Number.NaN, 1)).toThrow('EpisodeStats.add: episodeReturn (NaN) must be finite.');
    expect(() => stats.add(1, 0)).toThrow('EpisodeStats.add: length (0) must be an integer >= 1.');
    expect(() => stats.addMany([1], [])).toThrow(
      'EpisodeStats.addMany: returns (1) and lengths (0) must have the same length.',
    );
  });
});
