/**
 * `rl evaluate --render` on an env that renders rgb_array frames: a Python env (Gymnasium API,
 * render_mode="rgb_array") served by a server tsrl starts; the episode's frames travel as raw uint8
 * over the env protocol and are written as an animated GIF.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { encodeGif } from '../../../rl/evaluation/encode-gif.js';
import { evaluateCheckpoint } from '../../../rl/evaluation/evaluate-checkpoint.js';
import { train } from '../../../rl/training/train.js';
import { pythonMissing, REPO } from '../../envs/remote/server-process.js';

setLogLevel('error');
const missing = pythonMissing();
const ENVS = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
const work = mkdtempSync(join(tmpdir(), 'tsrl-gif-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Image descriptors (0x2C right after a graphic control extension) in a GIF's bytes. */
const countFrames = (gif: Uint8Array): number => {
  let n = 0;
  for (let i = 0; i + 8 < gif.length; i++)
    if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 7] === 0 && gif[i + 8] === 0x2c) n++;
  return n;
};

describe('encodeGif', () => {
  it('writes a looping GIF89a of the frames, RGB and RGBA alike, and refuses mismatched frames', () => {
    const red = { pixels: Uint8Array.of(255, 0, 0, 255, 0, 0), height: 1, width: 2, channels: 3 as const };
    const blue = {
      pixels: Uint8Array.of(0, 0, 255, 255, 0, 0, 255, 255),
      height: 1,
      width: 2,
      channels: 4 as const,
    };
    const gif = encodeGif([red, blue, red], 25);
    expect(Buffer.from(gif.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
    expect([gif[6]! | (gif[7]! << 8), gif[8]! | (gif[9]! << 8)]).toEqual([2, 1]);
    expect(Buffer.from(gif).includes('NETSCAPE2.0')).toBe(true);
    expect(countFrames(gif)).toBe(3);
    expect(gif[gif.length - 1]).toBe(0x3b);
    expect(() => encodeGif([], 30)).toThrow('no frames');
    expect(() => encodeGif([red, { ...red, width: 1, pixels: Uint8Array.of(1, 2, 3) }], 30)).toThrow(
      'frame 1 is 1x1',
    );
  });
});

describe.skipIf(missing !== undefined)(
  `rl evaluate --render on a Python env${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    it('writes the episode as a GIF of the frames the env rendered', async () => {
      const schema = buildConfigSchema(ppo.trainingSchema, {
        refine: (c, ctx) => ppo.refineConfig?.(c, ctx),
      });
      const runDir = join(work, 'run');
      await train(
        resolveConfig({
          schema,
          algo: 'ppo',
          sets: [
            'backend=cpu',
            `env.id=python:${ENVS}:Corridor`,
            'env.kwargs={length: 3, render_mode: rgb_array}',
            'env.options={python: /usr/bin/python3, maxEpisodeSteps: 12}',
            'env.numEnvsPerRunner=2',
            'envRunners.numEnvRunners=0',
            'envRunners.rolloutFragmentLength=16',
            'model.hiddenSizes=[8]',
            'stop.iterations=2',
            'checkpoint.intervalMs=0',
          ],
        }),
        { algorithm: ppo as unknown as AnyAlgorithmDefinition, runDir, handleSigint: false },
      );
      const result = await evaluateCheckpoint(runDir, {
        resolveAlgorithm: () => ppo as unknown as AnyAlgorithmDefinition,
        episodes: 1,
        render: true,
        writeResult: false,
      });
      const length = result.summary.episodeLenMean!;
      expect(result.gif?.frames).toBe(length);
      const gif = new Uint8Array(readFileSync(result.gif!.path));
      expect(Buffer.from(gif.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
      // Corridor-3 frames are 24 x 8 pixels.
      expect([gif[6]! | (gif[7]! << 8), gif[8]! | (gif[9]! << 8)]).toEqual([24, 8]);
      expect(countFrames(gif)).toBe(length);
    }, 120_000);
  },
);
