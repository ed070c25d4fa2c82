import { afterEach, describe, expect, it } from 'vitest';
import {
  listEnvs,
  makeEnv,
  makeEnvAsync,
  registerEnv,
  registerEnvResolver,
  resolveEnvFactory,
  UnknownEnvError,
  unregisterEnv,
} from '../../envs/registry.js';
import { CountingEnv } from './fixtures/counting-env.js';

const FIXTURE = './test/envs/fixtures/counting-env.ts';

describe('env registry', () => {
  afterEach(() => {
    unregisterEnv('Counting-v0');
    unregisterEnv('Counting-v1');
  });

  it('makes registered envs, passing options to the factory', () => {
    registerEnv('Counting-v0', (options) => new CountingEnv(options), { description: 'counts' });
    const env = makeEnv('Counting-v0', { terminateAt: 7 });
    expect(env).toBeInstanceOf(CountingEnv);
    env.reset({ seed: 0 });
    for (let i = 0; i < 6; i++) expect(env.step(0).terminated).toBe(false);
    expect(env.step(0).terminated).toBe(true);
    expect(listEnvs()).toContainEqual({ id: 'Counting-v0', description: 'counts' });
  });

  it('lists ids sorted', () => {
    registerEnv('Counting-v1', () => new CountingEnv());
    registerEnv('Counting-v0', () => new CountingEnv());
    const ids = listEnvs().map((e) => e.id);
    expect(ids.indexOf('Counting-v0')).toBeLessThan(ids.indexOf('Counting-v1'));
  });

  it('rejects unknown ids with the registered ids and a did-you-mean', () => {
    registerEnv('Counting-v0', () => new CountingEnv());
    expect(() => makeEnv('Countng-v0')).toThrow(UnknownEnvError);
    expect(() => makeEnv('Countng-v0')).toThrow(
      /Unknown env id 'Countng-v0'\. Did you mean 'Counting-v0'\? Registered ids: .*Counting-v0/,
    );
  });

  it('rejects bad registrations', () => {
    expect(() => registerEnv('has space', () => new CountingEnv())).toThrow(
      'registerEnv: id (string "has space")',
    );
    expect(() => registerEnv('./x.js', () => new CountingEnv())).toThrow('does not look like a module path');
  });

  it('imports an Env class from a module path (named export)', async () => {
    const env = await makeEnvAsync(`${FIXTURE}:CountingEnv`, { terminateAt: 1 });
    expect(env.constructor.name).toBe('CountingEnv');
    env.reset();
    expect(env.step(0).terminated).toBe(true);
  });

  it('imports a factory function from a module path', async () => {
    const factory = await resolveEnvFactory(`${FIXTURE}:makeCounting`);
    const env = factory({ reward: 5 });
    env.reset();
    expect(env.step(1).reward).toBe(10);
  });

  it('says when a module has no usable export, listing its exports', async () => {
    await expect(resolveEnvFactory(`${FIXTURE}:CountngEnv`)).rejects.toThrow(
      "has no function export 'CountngEnv'. Did you mean 'CountingEnv'?",
    );
    await expect(resolveEnvFactory(FIXTURE)).rejects.toThrow(
      'has no default export and not exactly one exported function',
    );
    await expect(resolveEnvFactory('./test/envs/fixtures/missing.ts')).rejects.toThrow(
      "Env module './test/envs/fixtures/missing.ts' could not be imported",
    );
  });

  it('points sync makeEnv at makeEnvAsync for module paths', () => {
    expect(() => makeEnv(FIXTURE)).toThrow("use 'await makeEnvAsync(id)'");
  });

  it('sends addresses with a registered prefix to makeVectorEnv', async () => {
    registerEnvResolver('fake://', {
      name: 'fake protocol',
      makeVectorEnv: () => Promise.reject(new Error('not used')),
    });
    await expect(resolveEnvFactory('fake://host')).rejects.toThrow(
      "'fake://host' is served as a vector env (fake protocol): use makeVectorEnv('fake://host', numEnvs).",
    );
    expect(() =>
      registerEnvResolver('fake', { name: 'x', makeVectorEnv: () => Promise.reject(new Error()) }),
    ).toThrow("must be a scheme ending with ':' or '://'");
  });
});
