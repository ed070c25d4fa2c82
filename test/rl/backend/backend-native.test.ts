import { describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend } from '../../../rl/backend/backend.js';

// A tfjs-node whose import succeeds but which registers no backend, as happens when its version
// differs from @tensorflow/tfjs (npm then gives it its own tfjs copy).
vi.mock('@tensorflow/tfjs-node', () => ({}));

describe('initBackend with a broken native backend', () => {
  it('auto moves on to wasm and says why; an explicit request fails with the version hint', async () => {
    setLogLevel('warn');
    const info = await initBackend({ backend: 'auto' });
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(
      /^tfjs-node-gpu not installed, tfjs-node did not register its backend \(is its version the same as @tensorflow\/tfjs 4\.\d+\.\d+\?\)$/,
    );
    await expect(initBackend({ backend: 'tfjs-node' })).rejects.toThrow(
      /which cannot run: tfjs-node did not register/,
    );
  });
});
