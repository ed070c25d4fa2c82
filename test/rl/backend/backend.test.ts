import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { type LogSink, setLogSink } from '../../../core/logger.js';
import { currentBackend, initBackend, parseBackendChoice, requireTf } from '../../../rl/backend/backend.js';

/** True when an optional native backend is installed (then the auto choice differs from this machine's). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

describe('initBackend', () => {
  const savedEnv = process.env['TSRL_BACKEND'];
  afterEach(() => {
    if (savedEnv === undefined) delete process.env['TSRL_BACKEND'];
    else process.env['TSRL_BACKEND'] = savedEnv;
  });

  it('requireTf throws a message with the fix before any init', () => {
    expect(() => requireTf()).toThrow(/call `await initBackend\(\)`/);
  });

  it.skipIf(nativeInstalled)(
    'auto skips the absent native backends, picks wasm with SIMD and logs one line saying why',
    async () => {
      delete process.env['TSRL_BACKEND'];
      const lines: string[] = [];
      const sink: LogSink = (_level, scope, message) => lines.push(`${scope}: ${message}`);
      const previous = setLogSink(sink);
      try {
        const info = await initBackend({ backend: 'auto' });
        expect(info.name).toBe('wasm');
        expect(info.tfBackend).toBe('wasm');
        expect(requireTf().getBackend()).toBe('wasm');
        expect(info.reason).toBe('tfjs-node-gpu not installed, tfjs-node not installed');
        expect(lines).toEqual(['backend: wasm (SIMD): tfjs-node-gpu not installed, tfjs-node not installed']);
        expect(currentBackend()).toEqual(info);
      } finally {
        setLogSink(previous);
      }
    },
  );

  it('TSRL_BACKEND selects the backend when the config says auto', async () => {
    process.env['TSRL_BACKEND'] = 'cpu';
    const info = await initBackend();
    expect(info.name).toBe('cpu');
    expect(info.reason).toBe('requested by TSRL_BACKEND');
    expect(requireTf().getBackend()).toBe('cpu');
  });

  it('an explicit config choice wins over TSRL_BACKEND', async () => {
    process.env['TSRL_BACKEND'] = 'cpu';
    const info = await initBackend({ backend: 'wasm' });
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe('requested by config');
  });

  it.skipIf(nativeInstalled)(
    'an explicit backend that is not installed is an error with the install command',
    async () => {
      await expect(initBackend({ backend: 'tfjs-node' })).rejects.toThrow(
        /config asks for backend 'tfjs-node', which cannot run: tfjs-node not installed\. Install it \(npm install @tensorflow\/tfjs-node@4\.\d+\.\d+/,
      );
      // The previous backend still runs.
      expect(requireTf().getBackend()).toBe('wasm');
    },
  );

  it('rejects an unknown TSRL_BACKEND naming the variable and the choices', async () => {
    process.env['TSRL_BACKEND'] = 'cuda';
    await expect(initBackend()).rejects.toThrow(
      'TSRL_BACKEND ("cuda") must be one of auto, tfjs-node-gpu, tfjs-node, wasm, cpu, webgpu.',
    );
  });

  it('parseBackendChoice names the field', () => {
    expect(parseBackendChoice('wasm')).toBe('wasm');
    expect(() => parseBackendChoice(3, 'learner.backend')).toThrow('learner.backend (3) must be one of');
  });
});
