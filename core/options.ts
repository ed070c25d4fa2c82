/**
 * Options of remote functions, actors and `init`, and their validation. User options are optional
 * fields; resolved options have every field set. Every bad option throws a `TypeError` naming the
 * option, the value and what was expected.
 */
import { didYouMean } from './did-you-mean.js';

/** Resources a task or actor asks for. Fractions are allowed (`numCpus: 0.5`). */
export interface ResourceOptions {
  /** CPUs held while the task runs. @default 1 for tasks, 0 for actors (as Ray) */
  readonly numCpus?: number;
  /** GPUs held; the ids reach the worker as `CUDA_VISIBLE_DEVICES` and `getGpuIds()`. @default 0 */
  readonly numGpus?: number;
  /** Custom resources, e.g. `{ learner: 1 }`; the node must declare them in `init({ resources })`. */
  readonly resources?: Readonly<Record<string, number>>;
}

/** Options of a remote function, per definition or per call (`.options({...})`). */
export interface TaskOptions extends ResourceOptions {
  /** Retries after a system failure (the worker died); -1 retries forever. @default 3 */
  readonly maxRetries?: number;
  /** Also retry (up to `maxRetries`) when the task throws: `true` for any error, or a list of error names. @default false */
  readonly retryExceptions?: boolean | readonly string[];
  /**
   * Fail the task with TaskTimeoutError once it has run this long (its worker is killed: JavaScript
   * cannot interrupt a running function). @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * Which worker of the node runs the task when none is idle or all are busy (see core/README.md,
   * Placement): `'spread'` over workers evenly, `'pack'` onto busy workers first. @default 'default'
   */
  readonly schedulingStrategy?: SchedulingStrategy;
}

/** Task placement on a node's workers (the names of Ray's strategies). */
export type SchedulingStrategy = 'default' | 'pack' | 'spread';
const STRATEGIES: readonly SchedulingStrategy[] = ['default', 'pack', 'spread'];

/** Options of an actor class, per definition or per creation (`.options({...})`). */
export interface ActorOptions extends ResourceOptions {
  /** A name to find the actor by with `getActor(name)`; unique per runtime. */
  readonly name?: string;
  /** Restarts (constructor re-run in a new worker) after the worker dies; -1 forever. @default 0 */
  readonly maxRestarts?: number;
  /** Retries of a method call interrupted by the worker dying (needs a restart left); -1 forever. @default 0 */
  readonly maxTaskRetries?: number;
  /** Method calls an async actor runs at once; 1 runs them strictly one after another. @default 1 */
  readonly maxConcurrency?: number;
}

/** A resource request as the scheduler sees it: `CPU`, `GPU` and custom names to amounts. */
export type ResourceRequest = Readonly<Record<string, number>>;

/** Task options with every field resolved. */
export interface ResolvedTaskOptions {
  readonly resources: ResourceRequest;
  readonly maxRetries: number;
  readonly retryExceptions: boolean | readonly string[];
  readonly timeoutMs?: number;
  /** Absent for 'default'. */
  readonly strategy?: 'pack' | 'spread';
}

/** Actor options with every field resolved. */
export interface ResolvedActorOptions {
  readonly resources: ResourceRequest;
  readonly name: string | undefined;
  readonly maxRestarts: number;
  readonly maxTaskRetries: number;
  readonly maxConcurrency: number;
}

const RESOURCE_KEYS = ['numCpus', 'numGpus', 'resources'] as const;
const TASK_KEYS: readonly string[] = [
  ...RESOURCE_KEYS,
  'maxRetries',
  'retryExceptions',
  'timeoutMs',
  'schedulingStrategy',
];
const ACTOR_KEYS: readonly string[] = [
  ...RESOURCE_KEYS,
  'name',
  'maxRestarts',
  'maxTaskRetries',
  'maxConcurrency',
];

/** Throws when `value` has keys outside `allowed`, suggesting the closest allowed key. */
export function rejectUnknownKeys(where: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const near = didYouMean(key, allowed);
      throw new TypeError(
        `${where}: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; allowed: ${allowed.join(', ')}`,
      );
    }
  }
}

/** Checks `value` is a finite number >= 0 and returns it. */
export function nonNegative(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${where} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

function retryCount(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
    throw new TypeError(`${where} must be an integer >= -1 (-1 = forever), got ${String(value)}`);
  }
  return value === -1 ? Number.POSITIVE_INFINITY : value;
}

function resourcesOf(where: string, o: ResourceOptions, defaultCpus: number): ResourceRequest {
  const out: Record<string, number> = {};
  const cpus = o.numCpus === undefined ? defaultCpus : nonNegative(`${where}.numCpus`, o.numCpus);
  if (cpus > 0) out['CPU'] = cpus;
  const gpus = o.numGpus === undefined ? 0 : nonNegative(`${where}.numGpus`, o.numGpus);
  if (gpus > 1 && !Number.isInteger(gpus)) {
    throw new TypeError(`${where}.numGpus must be a whole number when above 1, got ${gpus}`);
  }
  if (gpus > 0) out['GPU'] = gpus;
  if (o.resources !== undefined) {
    if (typeof o.resources !== 'object' || o.resources === null) {
      throw new TypeError(
        `${where}.resources must be an object of name -> amount, got ${String(o.resources)}`,
      );
    }
    for (const [name, amount] of Object.entries(o.resources)) {
      if (name === 'CPU' || name === 'GPU') {
        throw new TypeError(`${where}.resources.${name}: use numCpus / numGpus for CPUs and GPUs`);
      }
      const a = nonNegative(`${where}.resources.${name}`, amount);
      if (a > 0) out[name] = a;
    }
  }
  return out;
}

/** Resolves task options (definition options overlaid by call options). @throws TypeError on a bad option */
export function resolveTaskOptions(where: string, options: TaskOptions): ResolvedTaskOptions {
  rejectUnknownKeys(where, options, TASK_KEYS);
  const re = options.retryExceptions ?? false;
  if (typeof re !== 'boolean' && !(Array.isArray(re) && re.every((n) => typeof n === 'string'))) {
    throw new TypeError(
      `${where}.retryExceptions must be a boolean or a list of error names, got ${String(re)}`,
    );
  }
  const strategy = options.schedulingStrategy ?? 'default';
  if (!STRATEGIES.includes(strategy)) {
    throw new TypeError(
      `${where}.schedulingStrategy must be one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${String(strategy)}`,
    );
  }
  let resolved: ResolvedTaskOptions = {
    resources: resourcesOf(where, options, 1),
    maxRetries: retryCount(`${where}.maxRetries`, options.maxRetries ?? 3),
    retryExceptions: re,
  };
  if (strategy !== 'default') resolved = { ...resolved, strategy };
  const t = options.timeoutMs;
  if (t === undefined) return resolved;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new TypeError(`${where}.timeoutMs must be a finite number of milliseconds > 0, got ${String(t)}`);
  }
  return { ...resolved, timeoutMs: t };
}

/** Resolves actor options. @throws TypeError on a bad option */
export function resolveActorOptions(where: string, options: ActorOptions): ResolvedActorOptions {
  rejectUnknownKeys(where, options, ACTOR_KEYS);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new TypeError(`${where}.name must be a non-empty string, got ${String(options.name)}`);
  }
  const maxConcurrency = options.maxConcurrency ?? 1;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new TypeError(`${where}.maxConcurrency must be an integer >= 1, got ${String(maxConcurrency)}`);
  }
  return {
    resources: resourcesOf(where, options, 0),
    name: options.name,
    maxRestarts: retryCount(`${where}.maxRestarts`, options.maxRestarts ?? 0),
    maxTaskRetries: retryCount(`${where}.maxTaskRetries`, options.maxTaskRetries ?? 0),
    maxConcurrency,
  };
}

/** True when the error name qualifies for a retry under `retryExceptions`. */
export function shouldRetryException(
  retryExceptions: boolean | readonly string[],
  errorName: string,
): boolean {
  return typeof retryExceptions === 'boolean' ? retryExceptions : retryExceptions.includes(errorName);
}
