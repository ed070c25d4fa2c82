import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { ConfigError } from '../../../rl/config/config-error.js';
import { divisorsNear, formatChoices } from '../../../rl/config/did-you-mean.js';
import { loadConfigFile, parseSetOverride, resolveConfig } from '../../../rl/config/resolve.js';
import { s } from '../../../rl/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const training = s.object(
  {
    lr: s.number({ min: 0, exclusiveMin: true, default: 2.5e-4 }),
    numMinibatches: s.int({ min: 1, default: 4 }),
  },
  {},
);
const schema = buildConfigSchema(training, {
  refine: (config, ctx) => {
    const batch = config.env.numEnvsPerRunner * config.envRunners.rolloutFragmentLength;
    const n = config.training.numMinibatches;
    if (batch % n !== 0) {
      const near = formatChoices(divisorsNear(batch, n).map(String));
      ctx.fail('training.numMinibatches', n, `must divide the train batch (${batch})`, `try ${near}`);
    }
  },
});

describe('resolveConfig layering', () => {
  it('gives frozen defaults with algo filled in', () => {
    const config = resolveConfig({ schema, algo: 'ppo' });
    expect(config.algo).toBe('ppo');
    expect(config.env).toEqual({
      id: 'CartPole-v1',
      options: {},
      kwargs: {},
      addresses: [],
      numEnvsPerRunner: 8,
      normalizeObservations: false,
    });
    expect(config.training).toEqual({ lr: 2.5e-4, numMinibatches: 4 });
    expect(config.stop).toEqual({});
    expect(config.expect).toBeUndefined();
    expect(Object.isFrozen(config.model.hiddenSizes)).toBe(true);
  });

  it('applies defaults < file < --set, later sets winning', () => {
    const path = file('layer.yaml', 'seed: 3\ntraining:\n  lr: 0.001\nmodel:\n  hiddenSizes: [32]\n');
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      file: path,
      sets: ['training.lr=0.01', 'model.hiddenSizes=[16, 16]', 'training.lr=1e-3', 'env.id=123'],
    });
    expect(config.seed).toBe(3);
    expect(config.training.lr).toBe(0.001);
    expect(config.model.hiddenSizes).toEqual([16, 16]);
    expect(config.env.id).toBe('123');
    expect(config.training.numMinibatches).toBe(4);
  });

  it('reads JSON files too, and an empty file as defaults', () => {
    expect(resolveConfig({ schema, algo: 'ppo', file: file('a.json', '{"seed": 5}') }).seed).toBe(5);
    expect(resolveConfig({ schema, algo: 'ppo', file: file('empty.yaml', '') }).seed).toBe(0);
  });

  it('puts a base layer (a checkpoint config) below the file and the sets', () => {
    const path = file('over-base.yaml', 'training: { lr: 0.5 }\n');
    const base = { algo: 'ppo', seed: 9, training: { lr: 0.1, numMinibatches: 8 }, stop: { envSteps: 100 } };
    const config = resolveConfig({ schema, algo: 'ppo', base, file: path, sets: ['stop.envSteps=200'] });
    expect(config.seed).toBe(9);
    expect(config.training).toEqual({ lr: 0.5, numMinibatches: 8 });
    expect(config.stop).toEqual({ envSteps: 200 });
    expect(base.training.lr).toBe(0.1);
    expect(
      messageOf(() =>
        resolveConfig({
          schema,
          algo: 'ppo',
          base: { seed: -1 },
          baseSource: 'checkpoint runs/x/checkpoints/3',
        }),
      ),
    ).toBe('checkpoint runs/x/checkpoints/3: seed (-1) must be an integer >= 0 and <= 4294967295.');
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', base: { seed: -1 }, file: path }))).toBe(
      'base config: seed (-1) must be an integer >= 0 and <= 4294967295.',
    );
  });

  it('lets --set null clear an optional value and parses booleans', () => {
    const path = file('stop.yaml', 'stop: { envSteps: 1000, iterations: 5 }\n');
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      file: path,
      sets: ['stop.envSteps=null', 'checkpoint.atEnd=false'],
    });
    expect(config.stop).toEqual({ iterations: 5 });
    expect(config.checkpoint.atEnd).toBe(false);
  });
});

describe('resolveConfig errors name their source', () => {
  it('an unknown key in a file, with line:col and did-you-mean', () => {
    const path = file('unknown.yaml', 'algo: ppo\nenv:\n  id: CartPole-v1\n  numEnvPerRunner: 4\n');
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file: path }))).toBe(
      `${path}:4:20: env.numEnvPerRunner (4) is not a known key; did you mean "numEnvsPerRunner"? valid keys: id, options, kwargs, addresses, numEnvsPerRunner, numEnvs, normalizeObservations.`,
    );
  });

  it('a wrong type in a file', () => {
    const path = file('type.yaml', 'model:\n  hiddenSizes: [64, "64"]\n');
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file: path }))).toBe(
      `${path}:2:21: model.hiddenSizes.1 ("64") must be an integer >= 1.`,
    );
  });

  it('an algo that does not match --algo', () => {
    const path = file('algo.yaml', 'algo: dqn\n');
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file: path }))).toBe(
      `${path}:1:7: algo ("dqn") does not match --algo ppo; run with --algo dqn or remove algo from the file.`,
    );
  });

  it('invalid YAML, a non-map file and a missing file', () => {
    const bad = file('bad.yaml', 'env: [1,\nseed: 2\n');
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file: bad }))).toMatch(
      new RegExp(`^${bad}:2:1: <file> is not valid YAML/JSON: .+\\.$`),
    );
    const list = file('list.yaml', '- 1\n- 2\n');
    expect(messageOf(() => loadConfigFile(list))).toBe(
      `${list}: <root> ([1,2]) must be a map of config sections; e.g. "env: { id: CartPole-v1 }".`,
    );
    expect(messageOf(() => loadConfigFile(join(dir, 'nope.yaml')))).toBe(
      `<file> ("${join(dir, 'nope.yaml')}") cannot be read (no such file); check the path.`,
    );
    const dup = file('dup.yaml', 'seed: 1\nseed: 2\n');
    expect(messageOf(() => loadConfigFile(dup))).toBe(
      `${dup}:2:1: <file> is not valid YAML/JSON: Map keys must be unique.`,
    );
  });

  it('a cross-field error from a --set', () => {
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', sets: ['training.numMinibatches=3'] }))).toBe(
      '--set training.numMinibatches=3: training.numMinibatches (3) must divide the train batch (512); try 2, 4 or 8.',
    );
  });

  it('a cross-field error caused by the file', () => {
    const path = file(
      'cross.yaml',
      'env: { numEnvsPerRunner: 3 }\nenvRunners: { rolloutFragmentLength: 10 }\n',
    );
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file: path }))).toBe(
      `${path}: training.numMinibatches (4) must divide the train batch (30); try 3, 5 or 6.`,
    );
  });

  it('an expect block never blocks a shorter run (rl train just prints no verdict for it)', () => {
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      sets: ['stop.envSteps=100', 'expect={episodeReturnMean: 5, withinEnvSteps: 200}'],
    });
    expect(config.stop.envSteps).toBe(100);
    expect(config.expect?.withinEnvSteps).toBe(200);
  });

  it('a .json config is strict JSON: a trailing comma is an error at its line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsrl-json-'));
    try {
      const file = join(dir, 'c.json');
      writeFileSync(file, '{\n  "seed": 1,\n}\n');
      expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', file }))).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:1: <file> is not valid JSON: `),
      );
      writeFileSync(file, '{"seed": 3}');
      expect(resolveConfig({ schema, algo: 'ppo', file }).seed).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a required sibling missing after a --set', () => {
    expect(messageOf(() => resolveConfig({ schema, algo: 'ppo', sets: ['expect.withinEnvSteps=100'] }))).toBe(
      '--set expect.withinEnvSteps=100: expect.episodeReturnMean is required (a finite number).',
    );
  });
});

describe('parseSetOverride', () => {
  it('reads YAML scalars and flow collections', () => {
    expect(parseSetOverride('training.lr=1e-3', schema).value).toBe(0.001);
    expect(parseSetOverride('model.hiddenSizes=[64,64]', schema).value).toEqual([64, 64]);
    expect(parseSetOverride('env.normalizeObservations=true', schema).value).toBe(true);
    expect(parseSetOverride('env.options.gravity=9.8', schema)).toEqual({
      arg: 'env.options.gravity=9.8',
      path: ['env', 'options', 'gravity'],
      value: 9.8,
    });
    expect(parseSetOverride('backend=wasm', schema).value).toBe('wasm');
    expect(parseSetOverride('env.id=a=b', schema).value).toBe('a=b');
  });

  it('rejects unknown paths with a did-you-mean', () => {
    expect(messageOf(() => parseSetOverride('traning.lr=1', schema))).toBe(
      '--set traning.lr=1: traning is not a known key; did you mean "training"? valid keys: algo, seed, backend, env, envRunners, learners, model, evaluation, stop, expect, metrics, checkpoint, training.',
    );
    expect(messageOf(() => parseSetOverride('training.numMinibatch=3', schema))).toBe(
      '--set training.numMinibatch=3: training.numMinibatch is not a known key; did you mean "training.numMinibatches"? valid keys: lr, numMinibatches.',
    );
    expect(messageOf(() => parseSetOverride('seed.x=1', schema))).toBe(
      '--set seed.x=1: seed.x is not a key: seed is an integer >= 0 and <= 4294967295; set seed itself.',
    );
  });

  it('rejects malformed arguments and invalid YAML', () => {
    expect(messageOf(() => parseSetOverride('training.lr', schema))).toBe(
      '--set ("training.lr") must look like key.path=value; e.g. --set training.lr=0.001.',
    );
    expect(messageOf(() => parseSetOverride('a..b=1', schema))).toBe(
      '--set ("a..b=1") must look like key.path=value; e.g. --set training.lr=0.001.',
    );
    expect(messageOf(() => parseSetOverride('model.hiddenSizes=[64,', schema))).toMatch(
      /^--set model\.hiddenSizes=\[64,: model\.hiddenSizes \("\[64,"\) is not a valid YAML value \(.+\)\.$/,
    );
  });
});
