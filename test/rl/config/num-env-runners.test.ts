import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { autoNumEnvRunners } from '../../../rl/config/num-env-runners.js';
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
