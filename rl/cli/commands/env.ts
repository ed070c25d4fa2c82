/**
 * `rl env serve | check | list`: serve an env over the tsrl env protocol, check an env (local or
 * remote) against the Env contract, list the registered env ids. Modules load lazily so that
 * `rl --help` does not load zeromq.
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { type Command, InvalidArgumentError } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../parse.js';
import { UsageError } from '../usage-error.js';

/** Where `rl env` writes, and (for tests) a signal that stops `env serve`. */
export interface EnvCommandIo {
  stdout: Writable;
  stderr: Writable;
  /** Stops `env serve` when aborted (besides SIGINT/SIGTERM). */
  stopSignal?: AbortSignal;
}

const ADDRESS = /^(tcp:\/\/[^:/\s]+:(\d+|\*)|ipc:\/\/\S+)$/;

/** Parses `--address`: tcp://host:port (port may be `*`) or ipc:///path. */
export function parseAddress(value: string): string {
  if (!ADDRESS.test(value)) {
    throw new InvalidArgumentError(
      `expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:5555, port * for any free port) or ipc:///PATH, got "${value}".`,
    );
  }
  return value;
}

/**
 * `./my_env.py:MyEnv`, `python:my_module:MyEnv` or `gymnasium:CartPole-v1`: served by
 * envs/python/tsrl_env_server.py.
 */
function isPythonEnv(id: string): boolean {
  return /\.py:[A-Za-z_][A-Za-z0-9_]*$/.test(id) || id.startsWith('gymnasium:') || id.startsWith('python:');
}

/**
 * Runs the Python server in a child process until it exits or this process is interrupted. Without
 * `--python`, the first Python on PATH that imports what the server needs (said on stderr).
 */
async function servePython(
  options: {
    env: string;
    address: string;
    numEnvs: number;
    python?: string;
    stepping: string;
    renderMode?: 'rgb_array';
  },
  io: EnvCommandIo,
): Promise<void> {
  const { findPython, pythonServerScript } = await import('../../../envs/python/index.js');
  const env = options.env.startsWith('python:') ? options.env.slice('python:'.length) : options.env;
  const modules = ['zmq', 'msgpack', 'numpy', ...(env.startsWith('gymnasium:') ? ['gymnasium'] : [])];
  let python: string;
  try {
    const choice = await findPython(modules, options.python);
    python = choice.python;
    if (options.python === undefined) io.stderr.write(`rl env serve: using ${choice.description}\n`);
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(
      message
        .replace('env.options.python (rl env serve --python)', '--python')
        .replace('env.options.python', '--python'),
    );
  }
  const args = [
    pythonServerScript(),
    '--env',
    env,
    '--address',
    options.address,
    '--num-envs',
    String(options.numEnvs),
    '--stepping',
    options.stepping,
    ...(options.renderMode === undefined
      ? []
      : ['--env-kwargs', JSON.stringify({ render_mode: options.renderMode })]),
  ];
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => io.stdout.write(d));
  child.stderr.on('data', (d: Buffer) => io.stderr.write(d));
  const stop = (): void => void child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.stopSignal?.addEventListener('abort', stop);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new UsageError(`cannot run --python ${python}: ${error.message}`)),
      );
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code !== 0 && code !== null && !io.stopSignal?.aborted)
      throw new Error(`the Python env server exited with code ${code}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function parseRenderMode(value: string): 'rgb_array' {
  if (value !== 'rgb_array') throw new InvalidArgumentError(`expected rgb_array, got "${value}".`);
  return value;
}

function parseStepping(value: string): string {
  if (value !== 'in-order' && value !== 'subprocess')
    throw new InvalidArgumentError(`expected in-order or subprocess, got "${value}".`);
  return value;
}

/** `gymnasium:<id>` and `python:<module>:<Class>`: Python envs whose server tsrl starts. */
function isStartedPythonEnv(id: string): boolean {
  return id.startsWith('gymnasium:') || id.startsWith('python:');
}

function isAddress(id: string): boolean {
  return id.startsWith('tcp://') || id.startsWith('ipc://');
}

/**
 * Adds `rl env` with its subcommands to `program`.
 * @param io where output goes; @default process.stdout / process.stderr
 */
export function registerEnvCommand(
  program: Command,
  io: EnvCommandIo = { stdout: process.stdout, stderr: process.stderr },
): void {
  const env = program.command('env').description('serve, check and list environments');

  env
    .command('serve')
    .description('serve an env over the tsrl env protocol (ZeroMQ) until interrupted')
    .requiredOption(
      '--env <id|module>',
      "registered env id (CartPole-v1) or module path ('./my-env.ts:MyEnv')",
    )
    .option(
      '--address <address>',
      'address to bind: tcp://HOST:PORT or ipc:///PATH',
      parseAddress,
      'tcp://127.0.0.1:5555',
    )
    .option('--num-envs <n>', "envs of each client's session, unless its hello asks", parsePositiveInt, 1)
    .option(
      '--python <path>',
      'Python for .py, python: and gymnasium: envs (needs pyzmq, msgpack, numpy); default: the first on PATH that has them',
    )
    .option(
      '--stepping <how>',
      'Python envs: in-order, or subprocess (a worker process per CPU)',
      parseStepping,
      'in-order',
    )
    .option(
      '--render-mode <mode>',
      "rgb_array: make the envs to render frames (option renderMode of built-in envs that draw, Python's render_mode)",
      parseRenderMode,
    )
    .action(
      async (options: {
        env: string;
        address: string;
        numEnvs: number;
        python?: string;
        stepping: string;
        renderMode?: 'rgb_array';
      }) => {
        if (isAddress(options.env)) {
          throw new UsageError(
            `--env (${options.env}) is an address; serve a registered id or a module path.`,
          );
        }
        if (isPythonEnv(options.env)) {
          await servePython(options, io);
          return;
        }
        // envs/index.js registers the built-in ids (CartPole-v1, ...); remote/ only adds the protocol.
        await import('../../../envs/index.js');
        await import('../../../envs/remote/index.js');
        const { serveEnv } = await import('../../../envs/remote/serve-env.js');
        const server = await serveEnv({
          id: options.env,
          address: options.address,
          numEnvs: options.numEnvs,
          ...(options.renderMode === undefined ? {} : { envOptions: { renderMode: options.renderMode } }),
        });
        io.stdout.write(`serving ${options.env} x${options.numEnvs} on ${server.address}\n`);
        const stop = (): void => void server.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        io.stopSignal?.addEventListener('abort', stop);
        try {
          await server.done;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );

  env
    .command('check')
    .description('run an env briefly and report what breaks the Env contract (exit 1 when something does)')
    .argument(
      '<env>',
      'registered id, module path, Python env (gymnasium:<id>, python:<module>:<Class>) or address of a served env (tcp://..., ipc://...)',
    )
    .option(
      '--num-envs <n>',
      'for an address or a Python env: the envs stepped per message',
      parsePositiveInt,
      1,
    )
    .option(
      '--python <path>',
      'for a Python env: the interpreter (default: the first on PATH that has the modules)',
    )
    .option('--steps <n>', 'steps per run', parsePositiveInt, 100)
    .option('--seed <n>', 'seed of the checked episodes', parseNonNegativeInt, 0)
    .option('--timeout-ms <ms>', 'for an address: longest wait for a reply', parsePositiveInt, 10_000)
    .option('--json', 'print the report as JSON')
    .action(
      async (
        id: string,
        options: {
          numEnvs: number;
          steps: number;
          seed: number;
          timeoutMs: number;
          json?: boolean;
          python?: string;
        },
      ) => {
        const { checkEnv } = await import('../../../envs/check-env.js');
        const { formatEnvCheckReport } = await import('../../../envs/env-check-report.js');
        let target: { close(): unknown };
        if (isAddress(id) || isStartedPythonEnv(id)) {
          // makeVectorEnv loads the address's or the Python env's resolver (a Python env: tsrl starts its server).
          const { makeVectorEnv } = await import('../../../envs/vector/make-vector-env.js');
          target = await makeVectorEnv(id, options.numEnvs, {
            envOptions: {
              timeoutMs: options.timeoutMs,
              connectTimeoutMs: options.timeoutMs,
              ...(options.python === undefined ? {} : { python: options.python }),
            },
          });
        } else {
          const { makeEnvAsync } = await import('../../../envs/index.js');
          target = await makeEnvAsync(id);
        }
        try {
          const report = await checkEnv(target, { seed: options.seed, numSteps: options.steps });
          io.stdout.write(
            options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEnvCheckReport(report)}\n`,
          );
          if (!report.ok) {
            const errors = report.problems.filter((p) => p.severity === 'error').length;
            throw new Error(`env check found ${errors} problem${errors === 1 ? '' : 's'} in ${id}`);
          }
        } finally {
          await target.close();
        }
      },
    );

  env
    .command('list')
    .description('list the registered env ids and the address forms of remote envs')
    .action(async () => {
      const { listEnvs } = await import('../../../envs/index.js');
      const lines = listEnvs().map(
        ({ id, description }) => `${id}${description === undefined ? '' : `  ${description}`}`,
      );
      lines.push(
        'tcp://HOST:PORT, ipc:///PATH  a remote env served by `rl env serve` or envs/python/tsrl_env_server.py',
      );
      io.stdout.write(`${lines.join('\n')}\n`);
    });
}
