import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { buildConfigSchema, envStepsPerSampleRound } from '../../../rl/config/common.js';
import { ConfigError } from '../../../rl/config/config-error.js';
import {
  autoNumEnvRunners,
  numEnvRunnersSchema,
  numEnvsPerRunnerSchema,
  resolveEnvRunnerCounts,
} from '../../../rl/config/num-env-runners.js';
import { resolveConfig } from '../../../rl/config/resolve.js';

const schema = buildConfigSchema(ppo.trainingSchema);
const runners = (sets: string[]) => resolveConfig({ schema, algo: 'ppo', sets }).envRunners.numEnvRunners;

describe('envRunners.numEnvRunners', () => {
  it('auto: inline on up to 2 cores, else min(cores - 2, 8)', () => {
    expect([1, 2, 3, 4, 10, 16, 64].map(autoNumEnvRunners)).toEqual([0, 0, 1, 2, 8, 8, 8]);
  });

  it('defaults to auto, resolved to a number for this machine; explicit counts pass through', () => {
    const here = autoNumEnvRunners(availableParallelism());
    expect(runners([])).toBe(here);
    expect(runners(['envRunners.numEnvRunners=auto'])).toBe(here);
    expect(runners(['envRunners.numEnvRunners=3'])).toBe(3);
    expect(runners(['envRunners.numEnvRunners=0'])).toBe(0);
  });

  it('rejects other values, naming the field and what it accepts', () => {
    expect(() => runners(['envRunners.numEnvRunners=-1'])).toThrow(
      /envRunners\.numEnvRunners.*an integer >= 0 or 'auto'/,
    );
    expect(() => runners(['envRunners.numEnvRunners=many'])).toThrow(/an integer >= 0 or 'auto'/);
    expect(() => runners(['envRunners.numEnvRunners=1.5'])).toThrow(/an integer >= 0 or 'auto'/);
  });
});

describe("env.numEnvs: the run's envs shared by the runners", () => {
  const fail = (path: string, value: unknown, message: string): never => {
    throw new ConfigError({ path, value, message });
  };
  /** Resolves runners and envs per runner as read from a file with these values, on `cores` cores. */
  const counts = (
    cores: number,
    numEnvs: number | undefined,
    runners: unknown = 'auto',
    perRunner?: number,
  ) => {
    const config = {
      env: { numEnvs, numEnvsPerRunner: numEnvsPerRunnerSchema().parse(perRunner, 'env.numEnvsPerRunner') },
      envRunners: { numEnvRunners: numEnvRunnersSchema().parse(runners, 'envRunners.numEnvRunners') },
    };
    resolveEnvRunnerCounts(config, { path: '', fail }, cores);
    return [config.envRunners.numEnvRunners, config.env.numEnvsPerRunner];
  };

  it('auto takes the largest runner count up to the rule that divides numEnvs; the envs are shared equally', () => {
    expect(counts(2, 8)).toEqual([0, 8]);
    expect(counts(5, 8)).toEqual([2, 4]); // rule 3 does not divide 8
    expect(counts(16, 8)).toEqual([8, 1]);
    expect(counts(16, 6)).toEqual([6, 1]);
    expect(counts(16, 64)).toEqual([8, 8]);
    expect(counts(16, 7)).toEqual([7, 1]);
    expect(counts(16, 5)).toEqual([5, 1]);
    expect(counts(3, 5)).toEqual([1, 5]);
    // Without numEnvs: the rule, 8 envs per runner unless given.
    expect(counts(16, undefined)).toEqual([8, 8]);
    expect(counts(16, undefined, 'auto', 2)).toEqual([8, 2]);
  });

  it('explicit runner counts must divide numEnvs; an explicit numEnvsPerRunner wins', () => {
    expect(counts(16, 8, 2)).toEqual([2, 4]);
    expect(counts(16, 8, 0)).toEqual([0, 8]);
    expect(counts(16, 8, 2, 4)).toEqual([2, 4]); // a saved config holds both
    expect(() => counts(16, 8, 3)).toThrow(/envRunners\.numEnvRunners.*must divide env\.numEnvs \(8\)/);
    // `--set env.numEnvsPerRunner=2` on a preset with numEnvs 8: 2 per runner, the rule's runner count.
    expect(counts(16, 8, 'auto', 2)).toEqual([8, 2]);
    expect(counts(2, 8, 'auto', 2)).toEqual([0, 2]);
    expect(counts(16, 8, 3, 2)).toEqual([3, 2]);
  });

  it('keeps the sample round (the PPO train batch) whatever the runner count', () => {
    const round = (sets: string[]) =>
      envStepsPerSampleRound(
        resolveConfig({
          schema,
          algo: 'ppo',
          sets: ['env.numEnvs=8', 'envRunners.rolloutFragmentLength=32', ...sets],
        }),
      );
    expect([round([]), round(['envRunners.numEnvRunners=2']), round(['envRunners.numEnvRunners=8'])]).toEqual(
      [256, 256, 256],
    );
    const two = resolveConfig({ schema, algo: 'ppo', sets: ['env.numEnvs=8', 'envRunners.numEnvRunners=2'] });
    expect(two.env).toMatchObject({ numEnvs: 8, numEnvsPerRunner: 4 });
    // The saved config (both keys, explicit runners) resolves to the same counts.
    const again = resolveConfig({
      schema,
      algo: 'ppo',
      sets: ['env.numEnvs=8', 'env.numEnvsPerRunner=4', 'envRunners.numEnvRunners=2'],
    });
    expect(again.env).toMatchObject({ numEnvs: 8, numEnvsPerRunner: 4 });
    const overridden = resolveConfig({
      schema,
      algo: 'ppo',
      sets: ['env.numEnvs=8', 'env.numEnvsPerRunner=2'],
    });
    expect(overridden.env.numEnvs).toBeUndefined();
    expect(overridden.env.numEnvsPerRunner).toBe(2);
    expect(() => resolveConfig({ schema, algo: 'ppo', sets: ['env.numEnvs=0'] })).toThrow(/env\.numEnvs/);
  });
});
