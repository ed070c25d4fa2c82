/**
 * `PythonVectorEnv`: a Python env (`gymnasium:<Id>`, `python:<module>:<Class>`) that tsrl serves
 * itself: it finds an interpreter, starts tsrl_env_server.py on a fresh ipc:// address, connects a
 * {@link ZmqVectorEnv} to it and stops the server on `close()`. When the server dies, calls fail with a
 * RemoteEnvError (`disconnected`); env runners then rebuild their env, which starts a new server.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../core/logger.js';
import type { EnvSpec } from '../env.js';
import type { EnvOptions } from '../registry.js';
import { type RenderedFrame, ZmqVectorEnv } from '../remote/zmq-vector-env.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import type { VectorEnv, VectorResetResult, VectorStepResult } from '../vector/vector-env.js';
import { findPython } from './find-python.js';
import { parsePythonEnvId } from './python-env-id.js';
import { PythonServerProcess } from './python-server-process.js';

const log = createLogger('python-env');

/** `env.options` of a Python env, resolved. */
export interface PythonEnvOptions {
  /** Interpreter; undefined: the first on PATH with the needed modules. */
  readonly python: string | undefined;
  /** Keyword arguments of the env's class or of gymnasium.make (the config's `env.kwargs`). */
  readonly kwargs: Record<string, unknown>;
  /** A time limit applied by the server; undefined: the env's own. */
  readonly maxEpisodeSteps: number | undefined;
  /** How the server steps its envs. @default 'in-order' */
  readonly stepping: 'in-order' | 'subprocess';
  /** Subprocess workers (with stepping 'subprocess'); undefined: one per CPU. */
  readonly numWorkers: number | undefined;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Longest wait for the server to start (importing gymnasium can take seconds). */
  readonly startTimeoutMs: number;
}

const KNOWN = [
  'python',
  'kwargs',
  'maxEpisodeSteps',
  'stepping',
  'numWorkers',
  'timeoutMs',
  'connectTimeoutMs',
  'startTimeoutMs',
] as const;

/**
 * Reads and checks `env.options` of a Python env.
 * @throws TypeError naming the option, the value and what was expected.
 */
export function pythonEnvOptions(options: EnvOptions | undefined): PythonEnvOptions {
  const o = options ?? {};
  for (const key of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(key))
      throw new TypeError(`env.options.${key} is not an option of a Python env; known: ${KNOWN.join(', ')}`);
  }
  const int = (key: string, min: number): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new TypeError(`env.options.${key} (${JSON.stringify(v)}) must be an integer >= ${min}`);
    return v;
  };
  const python = o['python'];
  if (python !== undefined && (typeof python !== 'string' || python === ''))
    throw new TypeError(
      `env.options.python (${JSON.stringify(python)}) must be the path of a Python interpreter`,
    );
  const kwargs = o['kwargs'] ?? {};
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs))
    throw new TypeError(`env.kwargs (${JSON.stringify(kwargs)}) must be a map of keyword arguments`);
  const stepping = o['stepping'] ?? 'in-order';
  if (stepping !== 'in-order' && stepping !== 'subprocess')
    throw new TypeError(
      `env.options.stepping (${JSON.stringify(stepping)}) must be 'in-order' or 'subprocess'`,
    );
  return {
    python,
    kwargs: kwargs as Record<string, unknown>,
    maxEpisodeSteps: int('maxEpisodeSteps', 1),
    stepping,
    numWorkers: int('numWorkers', 1),
    timeoutMs: int('timeoutMs', 1) ?? 60_000,
    connectTimeoutMs: int('connectTimeoutMs', 1) ?? 20_000,
    startTimeoutMs: int('startTimeoutMs', 1) ?? 60_000,
  };
}

let serverCount = 0;

/** A Python env served by a server process this object owns. */
export class PythonVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly spec: EnvSpec;
  readonly obsSize: number;

  private constructor(
    readonly id: string,
    private readonly client: ZmqVectorEnv,
    /** The server process (its pid, its stderr). */
    readonly server: PythonServerProcess,
  ) {
    this.numEnvs = client.numEnvs;
    this.singleObservationSpace = client.singleObservationSpace;
    this.singleActionSpace = client.singleActionSpace;
    this.spec = client.spec;
    this.obsSize = client.obsSize;
  }

  /**
   * Finds the interpreter, starts the server for `id` with `numEnvs` envs and connects to it.
   * @throws TypeError for a malformed id or options; PythonNotFoundError when no interpreter has the
   *   modules; Error with the server's stderr when it fails to start (e.g. the env raised).
   */
  static async start(id: string, numEnvs: number, envOptions?: EnvOptions): Promise<PythonVectorEnv> {
    const parsed = parsePythonEnvId(id);
    const options = pythonEnvOptions(envOptions);
    const choice = await findPython(['zmq', 'msgpack', 'numpy', ...parsed.needs], options.python);
    if (serverCount === 0) log.info(`Python envs run on ${choice.description}`);
    serverCount++;
    const address = `ipc://${join(tmpdir(), `tsrl-py-${process.pid}-${randomBytes(4).toString('hex')}.sock`)}`;
    const server = await PythonServerProcess.start({
      python: choice.python,
      env: parsed.serverEnv,
      address,
      numEnvs,
      kwargs: options.kwargs,
      maxEpisodeSteps: options.maxEpisodeSteps,
      stepping: options.stepping,
      numWorkers: options.numWorkers,
      startTimeoutMs: options.startTimeoutMs,
    });
    try {
      const client = await ZmqVectorEnv.connect(address, {
        numEnvs,
        timeoutMs: options.timeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
      });
      return new PythonVectorEnv(id, client, server);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** The render mode the env was made with (`rgb_array`: {@link render} works). */
  get renderMode(): string | undefined {
    return this.client.renderMode;
  }

  reset(options?: { seed?: number; options?: Record<string, unknown> }): Promise<VectorResetResult> {
    return this.client.reset(options);
  }

  step(actions: readonly SpaceValue[]): Promise<VectorStepResult> {
    return this.client.step(actions);
  }

  /** An rgb_array frame of env `index`; see {@link ZmqVectorEnv.render}. */
  render(index = 0): Promise<RenderedFrame> {
    return this.client.render(index);
  }

  /** Closes the connection and stops the server. Idempotent. */
  async close(): Promise<void> {
    await this.client.close();
    await this.server.stop();
  }
}
