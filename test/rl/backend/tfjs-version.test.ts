import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkVersion, TFJS_VERSION } from '../../../rl/backend/backend.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

describe('the TensorFlow.js version pin', () => {
  it('package.json pins every tfjs package to TFJS_VERSION exactly (the kernel patches use its internals)', () => {
    expect(pkg.dependencies['@tensorflow/tfjs']).toBe(TFJS_VERSION);
    expect(pkg.dependencies['@tensorflow/tfjs-backend-wasm']).toBe(TFJS_VERSION);
    expect(pkg.optionalDependencies['@tensorflow/tfjs-backend-webgpu']).toBe(TFJS_VERSION);
    const require = createRequire(import.meta.url);
    for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'])
      expect((require(`${name}/package.json`) as { version: string }).version).toBe(TFJS_VERSION);
  });

  it('checkVersion rejects another version, naming both and the fix', () => {
    expect(() => checkVersion('@tensorflow/tfjs', '4.21.0')).toThrow(
      '@tensorflow/tfjs is 4.21.0, but tsrl needs 4.22.0 exactly (its kernel patches in rl/backend/ use ' +
        "4.22's internals): run `npm ci`, or npm install @tensorflow/tfjs@4.22.0.",
    );
    expect(() => checkVersion('@tensorflow/tfjs', TFJS_VERSION)).not.toThrow();
  });
});
