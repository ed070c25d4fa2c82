import { describe, expect, it } from 'vitest';
import {
  type EpisodeStatistics,
  RecordEpisodeStatistics,
} from '../../../envs/wrappers/record-episode-statistics.js';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { CountingEnv } from '../fixtures/counting-env.js';

describe('RecordEpisodeStatistics', () => {
  it('reports return and length of each finished episode in a field and a callback', () => {
    const seen: EpisodeStatistics[] = [];
    const env = new RecordEpisodeStatistics(new CountingEnv({ terminateAt: 3, reward: 2 }), {
      onEpisodeEnd: (s) => seen.push(s),
    });
    env.reset({ seed: 0 });
    env.step(0); // reward 2
    env.step(1); // reward 4
    expect(env.lastEpisode).toBeUndefined();
    expect(env.episodeEndedThisStep).toBe(false);
    const r = env.step(0); // reward 2, terminates
    expect(r.info).toEqual({ count: 3 });
    expect(env.episodeEndedThisStep).toBe(true);
    expect(env.lastEpisode).toMatchObject({ episodeReturn: 8, episodeLength: 3, terminated: true });
    expect(seen).toHaveLength(1);
    expect(env.numEpisodes).toBe(1);
  });

  it('marks truncated episodes', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new CountingEnv({ terminateAt: 10 }), 2));
    env.reset();
    env.step(0);
    env.step(0);
    expect(env.lastEpisode).toMatchObject({ episodeReturn: 2, episodeLength: 2, terminated: false });
  });
});
