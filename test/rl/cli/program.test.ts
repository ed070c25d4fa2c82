import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../rl/cli/program.js';
import type { CliWiring } from '../../../rl/cli/wiring.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function wiring(overrides: Partial<CliWiring> = {}): { w: CliWiring; out: Capture; err: Capture } {
  const out = new Capture();
  const err = new Capture();
  const w: CliWiring = {
    version: '9.9.9',
    stdout: out,
    stderr: err,
    algorithmNames: ['ppo', 'dqn'],
    loadAlgorithm: async (name) => {
      throw new RangeError(`no algorithm ${name} in this test`);
    },
    benchSuites: {
      toy: async () => async () => ({ opsPerS: 123.456789, baseline: { opsPerS: 100 } }),
    },
    ...overrides,
  };
  return { w, out, err };
}

const run = (args: string[], w: CliWiring): Promise<number> => runCli(['node', 'rl', ...args], w);

describe('rl CLI', () => {
  it('lists every subcommand in --help and exits 0', async () => {
    const { w, out } = wiring();
    expect(await run(['--help'], w)).toBe(0);
    for (const command of ['train', 'evaluate', 'env', 'cluster', 'bench', 'plot', 'export', 'dashboard'])
      expect(out.text).toContain(command);
  });

  it('prints the version', async () => {
    const { w, out } = wiring();
    expect(await run(['--version'], w)).toBe(0);
    expect(out.text.trim()).toBe('9.9.9');
  });

  it('rejects an unknown command with a did-you-mean and exit code 2', async () => {
    const { w, err } = wiring();
    expect(await run(['trian'], w)).toBe(2);
    expect(err.text).toContain("unknown command 'trian'");
    expect(err.text).toContain('Did you mean train?');
  });

  it('rejects an unknown flag of a subcommand with a did-you-mean and exit code 2', async () => {
    const { w, err } = wiring();
    expect(await run(['train', '--sed', '3'], w)).toBe(2);
    expect(err.text).toContain("unknown option '--sed'");
    expect(err.text).toMatch(/Did you mean one of --seed, --set\?|Did you mean --seed\?/);
  });

  it('rejects a malformed flag value naming the flag', async () => {
    const { w, err } = wiring();
    expect(await run(['train', '--seed', '-1'], w)).toBe(2);
    expect(err.text).toContain("'--seed <n>'");
    expect(err.text).toContain('expected a non-negative integer');
  });

  it('one exit-code rule: a missing config file or checkpoint is bad input (2), like a bad flag', async () => {
    const { w, err } = wiring();
    expect(await run(['train', '--config', '/nonexistent/preset.yaml'], w)).toBe(2);
    expect(err.text).toContain('/nonexistent/preset.yaml');
    expect(err.text).toContain('cannot be read (no such file)');
    expect(await run(['evaluate', '--checkpoint', '/nonexistent/run'], w)).toBe(2);
    expect(err.text).toContain('checkpoint /nonexistent/run');
  });

  it('rejects --backend gpu naming the flag and the GPU backend', async () => {
    const { w, err } = wiring();
    expect(await run(['train', '--algo', 'ppo', '--backend', 'gpu'], w)).toBe(2);
    expect(err.text).toContain("option '--backend <name>' argument 'gpu' is invalid");
    expect(err.text).toContain('did you mean "tfjs-node-gpu"?');
    expect(err.text).not.toContain('--set');
  });

  it('has --help on every subcommand', async () => {
    for (const command of ['train', 'evaluate', 'env', 'cluster', 'bench', 'plot', 'export', 'dashboard']) {
      const { w, out } = wiring();
      expect(await run([command, '--help'], w)).toBe(0);
      expect(out.text).toContain(`Usage: rl ${command}`);
    }
  });

  it('runs a bench suite and prints its results as JSON', async () => {
    const { w, out } = wiring();
    expect(await run(['bench', 'toy', '--json'], w)).toBe(0);
    const parsed = JSON.parse(out.text) as { results: { toy: { opsPerS: number } } };
    expect(parsed.results.toy.opsPerS).toBeCloseTo(123.456789);
  });

  it('rejects an unknown bench suite with the list of suites', async () => {
    const { w, err } = wiring();
    expect(await run(['bench', 'nope'], w)).toBe(2);
    expect(err.text).toContain('unknown bench suite "nope"; expected one of: toy, all.');
  });

  it('rejects an unknown --algo with a did-you-mean and exit code 2', async () => {
    const { w, err } = wiring();
    expect(await run(['train', '--algo', 'ppp'], w)).toBe(2);
    expect(err.text).toContain('--algo "ppp" is not an algorithm; did you mean "ppo"?');
  });

  it('asks for --algo when neither the flag nor a config names one', async () => {
    const { w, err } = wiring();
    expect(await run(['train'], w)).toBe(2);
    expect(err.text).toContain('--algo is required');
  });

  it('rejects rl cluster start without a role, a join without the key, and bad --resources, naming them', async () => {
    const a = wiring();
    expect(await run(['cluster', 'start'], a.w)).toBe(2);
    expect(a.err.text).toContain('needs either --head, or --address HOST:PORT with --key-file F');
    const b = wiring();
    expect(await run(['cluster', 'start', '--address', '10.0.0.1:6380'], b.w)).toBe(2);
    expect(b.err.text).toContain('joining needs the cluster key: --key-file F');
    const c = wiring();
    expect(await run(['cluster', 'start', '--head', '--resources', '{"CPU": 2}'], c.w)).toBe(2);
    expect(c.err.text).toContain('set CPU with --num-cpus');
    const d = wiring();
    expect(await run(['cluster', 'start', '--address', 'nowhere', '--key-file', 'k'], d.w)).toBe(2);
    expect(d.err.text).toContain('--address must be HOST:PORT');
  });
});
