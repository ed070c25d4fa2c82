/**
 * examples/python-env/README.md works as written: every shell command of its ```sh blocks is either
 * run here (with the address, the run directory and `python3` swapped for test-local ones, training
 * cut to a few iterations) or named with the reason it is not; its Python block serves an env from the
 * pip-installed wheel; its TypeScript block runs in a project that installed tsrl; its YAML blocks are
 * valid configs. A command added to the README without a line here fails the first test.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ppo } from '../../../algorithms/ppo/index.js';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import {
  freshAddress,
  killAll,
  PYTHON,
  pythonMissing,
  REPO,
  type ServerProcess,
  startServer,
} from '../../envs/remote/server-process.js';

const README = readFileSync(join(REPO, 'examples/python-env/README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'tsrl-pyreadme-'));
afterAll(async () => {
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

/** The bodies of the README's fenced blocks in `lang`, in order. */
function blocks(lang: string): string[] {
  return [...README.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** The commands of the ```sh blocks: continuations joined, comments and blank lines dropped. */
function shellCommands(): string[] {
  return blocks('sh').flatMap((body) =>
    body
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** Each command of the README, and what this file does with it. */
const COMMANDS: Readonly<Record<string, string>> = {
  'pip install pyzmq msgpack numpy gymnasium':
    'not run: installs from PyPI (tests have no index); here the modules come from apt',
  'npx rl env check python:examples/python-env/target_reach.py:TargetReach': 'run',
  'npx rl train --algo ppo --config configs/target-reach-python-ppo.yaml --output runs/target-reach': 'run',
  'npx rl evaluate --checkpoint runs/target-reach --render --gif episode.gif': 'run',
  'python3 envs/python/tsrl_env_server.py --env examples/python-env/target_reach.py:TargetReach --address tcp://127.0.0.1:5555 --num-envs 8':
    'run',
  'npx rl env check tcp://127.0.0.1:5555 --num-envs 8': 'run',
  'npx rl train --algo ppo --config configs/target-reach-remote-ppo.yaml': 'run',
  'pip install node_modules/tsrl/envs/python/wheel/tsrl_env-0.1.0-py3-none-any.whl': 'run',
  'pip install ./envs/python':
    'not run here: test/envs/python/wheel.test.ts installs the envs/python folder with pip and serves from it',
};

const missing = pythonMissing();

function pipMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-m', 'pip', '--version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return `${PYTHON} has no pip (apt-get install python3-pip)`;
  }
}

/** Runs `rl` (the built CLI) as `npx rl` would, in the repository root. */
async function rl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(REPO, 'bin/rl.js'), ...args], {
    cwd: REPO,
    timeout: 170_000,
    maxBuffer: 16 << 20,
  });
}

/** A README command's arguments after `npx rl`, with the README's paths swapped by `swap`. */
function rlArgs(command: string, swap: Readonly<Record<string, string>> = {}): string[] {
  expect(command.startsWith('npx rl '), command).toBe(true);
  return command
    .slice('npx rl '.length)
    .split(/\s+/)
    .map((word) => swap[word] ?? word);
}

const command = (start: string): string => {
  const found = Object.keys(COMMANDS).find((c) => c.startsWith(start));
  if (found === undefined) throw new Error(`no README command starts with ${start}`);
  return found;
};

describe('examples/python-env/README.md', () => {
  it('has no shell command this test does not know', () => {
    expect(shellCommands().sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it('has YAML blocks that are valid config sections', () => {
    const schema = buildConfigSchema(ppo.trainingSchema);
    const yamls = blocks('yaml');
    expect(yamls.length).toBeGreaterThanOrEqual(4);
    for (const body of yamls) {
      const base = parse(body) as Record<string, unknown>;
      expect(() => resolveConfig({ schema, algo: 'ppo', base, baseSource: body }), body).not.toThrow();
    }
    // The preset's env section is the one the README shows.
    const preset = parse(readFileSync(join(REPO, 'configs/target-reach-python-ppo.yaml'), 'utf8')) as {
      env: unknown;
    };
    expect(yamls.map((body) => parse(body) as { env: unknown }).some((b) => equal(b.env, preset.env))).toBe(
      true,
    );
  });

  describe.skipIf(missing !== undefined)(
    `its commands run${missing === undefined ? '' : ` (skipped: ${missing})`}`,
    () => {
      const runDir = join(work, 'target-reach');
      const gif = join(work, 'episode.gif');

      it('checks the env, trains on it with a server tsrl starts, and renders a GIF of an episode', async () => {
        expect(existsSync(join(REPO, 'dist/bin/main.js')), 'run `npm run build` first').toBe(true);
        const check = await rl(rlArgs(command('npx rl env check python:')));
        expect(check.stdout).toContain('TargetReach-v0: OK');
        await rl([
          ...rlArgs(command('npx rl train --algo ppo --config configs/target-reach-python-ppo'), {
            'runs/target-reach': runDir,
          }),
          '--stop-iterations',
          '1',
        ]);
        expect(readdirSync(join(runDir, 'checkpoints')).length).toBeGreaterThan(0);
        const evaluated = await rl([
          ...rlArgs(command('npx rl evaluate'), { 'runs/target-reach': runDir, 'episode.gif': gif }),
          '--episodes',
          '2',
        ]);
        expect(`${evaluated.stdout}${evaluated.stderr}`).toMatch(/wrote \d+ frames of one episode to /);
        expect(readFileSync(gif).subarray(0, 6).toString('latin1')).toBe('GIF89a');
      }, 240_000);

      it('serves the env by hand, and rl env check and rl train use the served env', async () => {
        const address = freshAddress('ipc');
        const words = command('python3 envs/python').split(/\s+/);
        expect(words[0]).toBe('python3');
        const server: ServerProcess = await startServer(
          PYTHON,
          words.slice(1).map((w) => (w === 'tcp://127.0.0.1:5555' ? address : w)),
        );
        const check = await rl(
          rlArgs(command('npx rl env check tcp://'), { 'tcp://127.0.0.1:5555': address }),
        );
        expect(check.stdout).toContain('TargetReach-v0: OK');
        const trained = await rl([
          ...rlArgs(command('npx rl train --algo ppo --config configs/target-reach-remote-ppo')),
          '--set',
          `env.id=${address}`,
          '--stop-iterations',
          '1',
          '--output',
          join(work, 'remote-run'),
        ]);
        expect(trained.stdout).toContain('training ppo on');
        await server.kill();
      }, 240_000);

      const pip = pipMissing();
      it.skipIf(pip !== undefined)(
        `pip-installs the wheel and its Python block serves from it${pip === undefined ? '' : ` (skipped: ${pip})`}`,
        async () => {
          const wheel = command('pip install node_modules/tsrl/').split(/\s+/)[2]!;
          const site = join(work, 'site');
          execFileSync(
            PYTHON,
            [
              '-m',
              'pip',
              'install',
              '-q',
              '--no-deps',
              '--no-index',
              '--target',
              site,
              wheel.replace('node_modules/tsrl/', `${REPO}/`),
            ],
            { stdio: 'pipe', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } },
          );
          const [code] = blocks('python');
          const address = freshAddress('ipc');
          const server = await startServer(PYTHON, ['-c', code!.replace('tcp://127.0.0.1:5555', address)], {
            ...process.env,
            PYTHONPATH: [site, join(REPO, 'examples/python-env')].join(':'),
          });
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 10_000 });
          expect(env.numEnvs).toBe(8);
          await env.reset({ seed: 0 });
          const step = await env.step(Array.from({ length: 8 }, () => Float32Array.of(0.05)));
          expect(step.rewards.every((r) => r <= 1 && r >= -2)).toBe(true);
          await env.close();
          await server.kill();
        },
        60_000,
      );

      it('runs its TypeScript block in a project that installed tsrl', async () => {
        const project = join(work, 'project');
        mkdirSync(join(project, 'node_modules'), { recursive: true });
        writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
        symlinkSync(REPO, join(project, 'node_modules', 'tsrl'), 'dir');
        const [code] = blocks('ts');
        writeFileSync(
          join(project, 'example.ts'),
          `${code}\nconsole.log(JSON.stringify({ obs: obs.length, rewards: step.rewards.length }));\n`,
        );
        // The env path in the block is relative to the working directory: the repository root.
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', join(project, 'example.ts')],
          { cwd: REPO, timeout: 60_000 },
        );
        expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ obs: 16, rewards: 8 });
      }, 90_000);
    },
  );
});

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
