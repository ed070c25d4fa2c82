import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../../rl/config/config-error.js';
import { deepFreeze, type Infer, s } from '../../../rl/config/schema.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('s.number / s.int', () => {
  const lr = s.number({ min: 0, exclusiveMin: true });
  it('accepts values in range and rejects others with the bound in words', () => {
    expect(lr.parse(0.001, 'training.lr')).toBe(0.001);
    expect(messageOf(() => lr.parse(0, 'training.lr'))).toBe('training.lr (0) must be a finite number > 0.');
    expect(messageOf(() => lr.parse('fast', 'training.lr'))).toBe(
      'training.lr ("fast") must be a finite number > 0.',
    );
    expect(messageOf(() => lr.parse(Number.NaN, 'training.lr'))).toBe(
      'training.lr (NaN) must be a finite number > 0.',
    );
  });
  it('describes two-sided and exclusive bounds', () => {
    const p = s.number({ min: 0, max: 1, exclusiveMax: true });
    expect(messageOf(() => p.parse(1, 'x'))).toBe('x (1) must be a finite number >= 0 and < 1.');
    expect(p.parse(0, 'x')).toBe(0);
  });
  it('suggests integer neighbours in range for a fraction', () => {
    const n = s.int({ min: 1 });
    expect(messageOf(() => n.parse(2.5, 'env.numEnvsPerRunner'))).toBe(
      'env.numEnvsPerRunner (2.5) must be an integer >= 1; try 2 or 3.',
    );
    expect(messageOf(() => n.parse(0.5, 'a'))).toBe('a (0.5) must be an integer >= 1; try 1.');
    expect(messageOf(() => n.parse(-3, 'a'))).toBe('a (-3) must be an integer >= 1.');
  });
  it('uses the default when absent (undefined or null) and requires a value otherwise', () => {
    expect(s.int({ default: 7 }).parse(undefined, 'a')).toBe(7);
    expect(s.int({ default: 7 }).parse(null, 'a')).toBe(7);
    expect(messageOf(() => s.int({ min: 1 }).parse(undefined, 'a.b'))).toBe(
      'a.b is required (an integer >= 1).',
    );
  });
});

describe('s.enum, s.boolean, s.string', () => {
  const backend = s.enum(['auto', 'wasm', 'cpu'], { default: 'auto' });
  it('suggests the closest choice', () => {
    expect(backend.parse('wasm', 'backend')).toBe('wasm');
    expect(messageOf(() => backend.parse('wsam', 'backend'))).toBe(
      'backend ("wsam") must be one of "auto", "wasm" or "cpu"; did you mean "wasm"?',
    );
    expect(messageOf(() => backend.parse(3, 'backend'))).toBe(
      'backend (3) must be one of "auto", "wasm" or "cpu".',
    );
  });
  it('checks booleans and strings', () => {
    expect(messageOf(() => s.boolean().parse('yes', 'a'))).toBe('a ("yes") must be true or false.');
    expect(messageOf(() => s.string().parse('', 'env.id'))).toBe('env.id ("") must be a non-empty string.');
    expect(s.string({ minLength: 0 }).parse('', 'a')).toBe('');
  });
});

describe('s.array', () => {
  const sizes = s.array(s.int({ min: 1 }), { minLength: 1, default: [64, 64] });
  it('names the failing index', () => {
    expect(sizes.parse([32, 16], 'model.hiddenSizes')).toEqual([32, 16]);
    expect(messageOf(() => sizes.parse([32, 0], 'model.hiddenSizes'))).toBe(
      'model.hiddenSizes.1 (0) must be an integer >= 1.',
    );
    expect(messageOf(() => sizes.parse([], 'model.hiddenSizes'))).toBe(
      'model.hiddenSizes ([]) must be a list of at least 1 item, each an integer >= 1.',
    );
    expect(messageOf(() => sizes.parse(64, 'model.hiddenSizes'))).toBe(
      'model.hiddenSizes (64) must be a list of at least 1 item, each an integer >= 1.',
    );
  });
  it('gives each parse its own copy of the default', () => {
    const a = sizes.parse(undefined, 'x') as number[];
    a.push(1);
    expect(sizes.parse(undefined, 'x')).toEqual([64, 64]);
  });
});

describe('s.object', () => {
  const env = s.object({
    id: s.string({ default: 'CartPole-v1' }),
    numEnvsPerRunner: s.int({ min: 1, default: 8 }),
    maxSteps: s.optional(s.int({ min: 1 })),
  });
  it('fills defaults, omits absent optionals and infers the type', () => {
    const value = env.parse({ numEnvsPerRunner: 4 }, 'env');
    expect(value).toEqual({ id: 'CartPole-v1', numEnvsPerRunner: 4 });
    expect('maxSteps' in value).toBe(false);
    expect(env.parse({ maxSteps: 10 }, 'env').maxSteps).toBe(10);
    expectTypeOf<Infer<typeof env>>().toEqualTypeOf<{
      readonly id: string;
      readonly numEnvsPerRunner: number;
      readonly maxSteps?: number;
    }>();
    expect(env.defaultValue()).toEqual({ id: 'CartPole-v1', numEnvsPerRunner: 8 });
  });
  it('rejects unknown keys with a did-you-mean and the valid keys', () => {
    expect(messageOf(() => env.parse({ numEnvsPerRuner: 4 }, 'env'))).toBe(
      'env.numEnvsPerRuner (4) is not a known key; did you mean "numEnvsPerRunner"? valid keys: id, numEnvsPerRunner, maxSteps.',
    );
    expect(messageOf(() => env.parse({ zzzzzzzz: 1 }, 'env'))).toBe(
      'env.zzzzzzzz (1) is not a known key; valid keys: id, numEnvsPerRunner, maxSteps.',
    );
  });
  it('rejects non-maps and names the root as <root>', () => {
    expect(messageOf(() => env.parse([1], 'env'))).toBe('env ([1]) must be a map of keys to values.');
    expect(messageOf(() => env.parse('x', ''))).toBe('<root> ("x") must be a map of keys to values.');
  });
  it('runs refine after the children with the object path', () => {
    const training = s.object(
      { trainBatchSize: s.int({ default: 512 }), numMinibatches: s.int({ default: 4 }) },
      {
        refine: (t, ctx) => {
          if (t.trainBatchSize % t.numMinibatches !== 0) {
            ctx.fail(
              'numMinibatches',
              t.numMinibatches,
              `must divide the train batch (${t.trainBatchSize})`,
              'try 2, 4 or 8',
            );
          }
        },
      },
    );
    expect(training.parse({ numMinibatches: 8 }, 'training').numMinibatches).toBe(8);
    expect(messageOf(() => training.parse({ numMinibatches: 3 }, 'training'))).toBe(
      'training.numMinibatches (3) must divide the train batch (512); try 2, 4 or 8.',
    );
  });
  it('takes an absent optional object as absent and a present one whole', () => {
    const root = s.object({ expect: s.optional(s.object({ episodeReturnMean: s.number() })) });
    expect(root.parse({}, '')).toEqual({});
    expect(messageOf(() => root.parse({ expect: {} }, ''))).toBe(
      'expect.episodeReturnMean is required (a finite number).',
    );
  });
});

describe('s.record / s.json', () => {
  it('accepts JSON data and rejects the rest by path', () => {
    const options = s.record(s.json());
    expect(options.parse(undefined, 'env.options')).toEqual({});
    expect(options.parse({ a: [1, { b: null }] }, 'env.options')).toEqual({ a: [1, { b: null }] });
    expect(messageOf(() => options.parse({ a: [Number.POSITIVE_INFINITY] }, 'env.options'))).toBe(
      'env.options.a.0 (Infinity) must be plain JSON data (null, boolean, finite number, string, list or map).',
    );
    expect(messageOf(() => options.parse(3, 'env.options'))).toBe(
      'env.options (3) must be a map of keys to values.',
    );
  });
});

describe('deepFreeze', () => {
  it('freezes nested data', () => {
    const value = deepFreeze({ a: { b: [1, 2] } });
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
  });
});
