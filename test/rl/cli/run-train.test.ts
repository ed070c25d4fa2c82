/** `rl train` end to end through the real wiring: run directories, expect verdicts, what is printed. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogSink, setLogLevel, setLogSink } from '../../../core/logger.js';
import { describeOutcome, runRl } from '../../smoke/run-rl.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-run-train-'));
const preset = join(dir, 'tiny-ppo.yaml');
const logs: string[] = [];
let previousSink: LogSink | undefined;
beforeAll(() => {
  // A small, fast PPO preset with an expect block that a 2-iteration run cannot check.
  writeFileSync(
    preset,
    [
      'algo: ppo',
      'backend: cpu',
      'env: { id: CartPole-v1, numEnvsPerRunner: 2 }',
      'envRunners: { numEnvRunners: 0, rolloutFragmentLength: 16 }',
      'model: { hiddenSizes: [8] }',
      'training: { numEpochs: 1, numMinibatches: 1 }',
      'stop: { envSteps: 100000 }',
      'expect: { episodeReturnMean: 400, withinEnvSteps: 96 }',
      '',
    ].join('\n'),
  );
  setLogLevel('info');
  previousSink = setLogSink((level, scope, text) => logs.push(`[${level}] ${scope}: ${text}`));
});
afterAll(() => {
  if (previousSink !== undefined) setLogSink(previousSink);
  rmSync(dir, { recursive: true, force: true });
});

const train = (output: string, ...extra: string[]) =>
  runRl(['train', '--config', preset, '--output', output, ...extra]);

describe('rl train', () => {
  it('names the run directory once, logs the backend once, and gives a shorter run no verdict', async () => {
    logs.length = 0;
    const out = join(dir, 'short');
    const args = ['--stop-iterations', '2'];
    const r = await train(out, ...args);
    expect(r.code, describeOutcome(args, r)).toBe(0);
    expect(r.stdout.split(out).length - 1, r.stdout).toBe(2); // the start line and the checkpoint path
    expect(r.stdout).toContain(`run directory ${out}`);
    expect(r.stdout).toContain(`done: iterations 2 >= 2; checkpoint ${join(out, 'checkpoints', '2')}`);
    expect(
      logs.filter((l) => l.includes('backend: cpu')),
      logs.join('\n'),
    ).toHaveLength(1);
    // 64 env steps < the expect block's 96: the run could not check it, so no verdict either way.
    expect(r.stdout).not.toContain('expected mean return');
  });

  it("prints the expect verdict once the run went through the preset's budget", async () => {
    const out = join(dir, 'budget');
    const r = await train(out, '--stop-env-steps', '96');
    expect(r.code, describeOutcome([], r)).toBe(0);
    expect(r.stdout).toMatch(
      /did not reach the preset's expected mean return 400 within 96 env steps \(last \d+\.\d\)/,
    );
  });

  it('prints no verdict for a preset used on another env', async () => {
    const out = join(dir, 'other-env');
    // 1024 steps: Acrobot episodes (500 steps) end, so there is a return the verdict could misuse.
    const r = await train(out, '--stop-env-steps', '1024', '--set', 'env.id=Acrobot-v1');
    expect(r.code, describeOutcome([], r)).toBe(0);
    expect(r.stdout).not.toMatch(/preset's expected/);
  });

  it('refuses --output into a directory holding another run, unless --resume or --force', async () => {
    const out = join(dir, 'taken');
    expect((await train(out, '--stop-iterations', '3')).code).toBe(0);
    const again = await train(out, '--stop-iterations', '1');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--output ${out} already holds a run`);
    expect(again.stderr).toContain('--resume');
    expect(again.stderr).toContain('--force');
    expect(readdirSync(join(out, 'checkpoints'))).toContain('3');

    const resumed = await runRl(['train', '--resume', out, '--output', out, '--stop-iterations', '4']);
    expect(resumed.code, describeOutcome([], resumed)).toBe(0);
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['3', '4']);

    const forced = await train(out, '--stop-iterations', '1', '--force');
    expect(forced.code, describeOutcome([], forced)).toBe(0);
    // The old run's checkpoints are gone: `rl evaluate` cannot load a stale one.
    expect(readdirSync(join(out, 'checkpoints'))).toEqual(['1']);

    // A directory with other files (but no run) is fine.
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'x');
    expect((await train(mine, '--stop-iterations', '1')).code).toBe(0);
    expect(existsSync(join(mine, 'notes.txt'))).toBe(true);
  });
});
