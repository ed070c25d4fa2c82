/**
 * The env registry: what an env id in a config or on the command line means.
 *
 * An id is one of
 * - a registered id (`CartPole-v1`; the built-in envs register themselves, users call {@link registerEnv});
 * - a module path exporting an Env class or a factory function: `./my-env.ts`, `/abs/env.js`,
 *   `file:///abs/env.js`, with an optional `:ExportName` suffix (`./envs.ts:GridWorld`). Without one the
 *   default export is used, else the module's only exported function. Relative paths are resolved
 *   against the current working directory. A `.ts` module is loaded with tsx when Node has no
 *   TypeScript loader of its own (the built `rl` runs plain Node).
 * - an id with a registered prefix (`tcp://`, `ipc://`, `gymnasium:`, `python:`), handled by a
 *   resolver that another module plugs in with {@link registerEnvResolver} (envs/remote does so for
 *   the env protocol, envs/python for Python envs it serves itself), which keeps this file free of
 *   imports from them.
 */
import { pathToFileURL } from 'node:url';
import { didYouMean } from './did-you-mean.js';
import type { Env } from './env.js';
import { describeValue } from './spaces/describe-value.js';
import type { VectorEnv } from './vector/vector-env.js';

/** Env constructor options: untyped data from configs, validated by the env itself. */
export type EnvOptions = Record<string, unknown>;

/** Builds one env. `options` come from the config (`env.options`) and are validated by the env. */
export type EnvFactory = (options?: EnvOptions) => Env;

/** What {@link registerEnv} records besides the factory. */
export interface EnvRegistration {
  /** One line shown by `rl env list`. */
  description?: string;
}

/** An entry of {@link listEnvs}. */
export interface RegisteredEnv {
  id: string;
  description: string | undefined;
}

/** Resolves ids with a given prefix (e.g. `tcp://`) to vector envs; see {@link registerEnvResolver}. */
export interface EnvResolver {
  /** Short name for messages, e.g. 'env protocol (ZeroMQ)'. */
  readonly name: string;
  /** Connects to / builds `numEnvs` envs for `id` (the full id, prefix included). */
  makeVectorEnv(id: string, numEnvs: number, options: EnvOptions | undefined): Promise<VectorEnv>;
}

/** No env is known by the given id. The message lists the registered ids and a suggestion. */
export class UnknownEnvError extends Error {
  override readonly name = 'UnknownEnvError';
}

const factories = new Map<string, { factory: EnvFactory; registration: EnvRegistration }>();
const resolvers = new Map<string, EnvResolver>();
const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/**
 * Registers `factory` under `id`. Registering the same id again replaces the factory (so a module
 * reloaded in a test or a user overriding a built-in wins) and logs nothing.
 * @throws TypeError when `id` is not a plain name (letters, digits, `_ . / -`, e.g. `CartPole-v1`) or
 *   `factory` is not a function.
 */
export function registerEnv(id: string, factory: EnvFactory, registration: EnvRegistration = {}): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || isModuleId(id)) {
    throw new TypeError(
      `registerEnv: id (${describeValue(id)}) must be a name of letters, digits, '_', '.', '/', '-' ` +
        `(e.g. 'CartPole-v1') that does not look like a module path.`,
    );
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerEnv: factory for '${id}' (${describeValue(factory)}) must be a function.`);
  }
  factories.set(id, { factory, registration });
}

/** Removes a registered id (for tests). @returns whether it was registered. */
export function unregisterEnv(id: string): boolean {
  return factories.delete(id);
}

/** The registered ids, sorted, with their descriptions. */
export function listEnvs(): RegisteredEnv[] {
  return [...factories.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, { registration }]) => ({ id, description: registration.description }));
}

/**
 * Plugs in a resolver for ids starting with `prefix` (e.g. `'tcp://'`, `'ipc://'`, `'gymnasium:'`).
 * @throws TypeError when `prefix` is not a lowercase scheme ending with `:` or `://`.
 */
export function registerEnvResolver(prefix: string, resolver: EnvResolver): void {
  if (!/^[a-z][a-z0-9+.-]*:(\/\/)?$/.test(prefix)) {
    throw new TypeError(
      `registerEnvResolver: prefix (${describeValue(prefix)}) must be a scheme ending with ':' or '://', e.g. 'tcp://' or 'gymnasium:'.`,
    );
  }
  resolvers.set(prefix, resolver);
}

/** The resolver for `id`'s prefix, if one is registered. */
export function findEnvResolver(id: string): EnvResolver | undefined {
  for (const [prefix, resolver] of resolvers) if (id.startsWith(prefix)) return resolver;
  return undefined;
}

/** True when `id` names a module path (rather than a registered id or an address). */
export function isModuleId(id: string): boolean {
  const { path } = splitModuleId(id);
  return (
    path.startsWith('./') ||
    path.startsWith('../') ||
    path.startsWith('/') ||
    path.startsWith('file:') ||
    /\.(m|c)?(t|j)s$/.test(path)
  );
}

/**
 * Builds a registered env synchronously.
 * @throws UnknownEnvError listing the registered ids (with a did-you-mean) when `id` is not registered;
 *   for a module path or an address it says to use {@link makeEnvAsync} or `makeVectorEnv`.
 */
export function makeEnv(id: string, options?: EnvOptions): Env {
  const entry = factories.get(id);
  if (entry !== undefined) return entry.factory(options);
  if (isModuleId(id)) {
    throw new UnknownEnvError(
      `makeEnv('${id}'): a module path needs an import; use 'await makeEnvAsync(id)'.`,
    );
  }
  throw unknownEnv(id);
}

/**
 * Resolves `id` (registered id or module path) to a factory, importing the module when needed.
 * @throws UnknownEnvError for an unknown id, an address (use `makeVectorEnv`), a module that cannot be
 *   imported, or a module without a usable export (the message lists its exports).
 */
export async function resolveEnvFactory(id: string): Promise<EnvFactory> {
  const entry = factories.get(id);
  if (entry !== undefined) return entry.factory;
  const resolver = findEnvResolver(id);
  if (resolver !== undefined) {
    throw new UnknownEnvError(
      `'${id}' is served as a vector env (${resolver.name}): use makeVectorEnv('${id}', numEnvs).`,
    );
  }
  if (!isModuleId(id)) throw unknownEnv(id);
  return importFactory(id);
}

/** Builds the env `id` names: a registered id or a module path. @throws as {@link resolveEnvFactory} */
export async function makeEnvAsync(id: string, options?: EnvOptions): Promise<Env> {
  const factory = await resolveEnvFactory(id);
  return factory(options);
}

function unknownEnv(id: string): UnknownEnvError {
  const ids = [...factories.keys()].sort();
  const guess = didYouMean(id, ids);
  const prefixes = [...resolvers.keys()];
  return new UnknownEnvError(
    `Unknown env id '${id}'.${guess === undefined ? '' : ` Did you mean '${guess}'?`} ` +
      `Registered ids: ${ids.length > 0 ? ids.join(', ') : '(none)'}. ` +
      `An id may also be a module path ('./my-env.ts', './envs.js:MyEnv')` +
      `${prefixes.length > 0 ? ` or an address (${prefixes.map((p) => `${p}...`).join(', ')})` : ''}.`,
  );
}

function splitModuleId(id: string): { path: string; exportName: string | undefined } {
  const colon = id.lastIndexOf(':');
  if (colon > 0) {
    const tail = id.slice(colon + 1);
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(tail)) return { path: id.slice(0, colon), exportName: tail };
  }
  return { path: id, exportName: undefined };
}

/**
 * Imports an env module. Plain Node (the built `rl`) cannot load TypeScript: a `.ts`/`.mts`/`.cts`
 * module it refuses is loaded with tsx's `tsImport` (a dependency of tsrl), which compiles that module
 * and what it imports without changing how the rest of the process loads modules.
 */
async function importModule(url: string, path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[mc]?ts$/.test(path)) throw e;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

async function importFactory(id: string): Promise<EnvFactory> {
  const { path, exportName } = splitModuleId(id);
  const url = path.startsWith('file:') ? path : pathToFileURL(path).href;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(url, path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new UnknownEnvError(`Env module '${path}' could not be imported (${url}): ${reason}.`, {
      cause: e,
    });
  }
  const functions = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
  let name: string | undefined = exportName;
  if (name === undefined) {
    if (typeof mod['default'] === 'function') name = 'default';
    else if (functions.length === 1) name = functions[0];
  }
  const exported = name === undefined ? undefined : mod[name];
  if (name === undefined || typeof exported !== 'function') {
    const what =
      name === undefined
        ? 'has no default export and not exactly one exported function'
        : `has no function export '${name}'`;
    const guess = name === undefined ? undefined : didYouMean(name, functions);
    throw new UnknownEnvError(
      `Env module '${path}' ${what}.${guess === undefined ? '' : ` Did you mean '${guess}'?`} ` +
        `Its function exports: ${functions.length > 0 ? functions.join(', ') : '(none)'}; ` +
        `name one with '${path}:ExportName'.`,
    );
  }
  return asFactory(exported as (...args: unknown[]) => unknown, `${path}:${name}`);
}

/** Wraps an Env class (anything whose prototype has `step` and `reset`) or a factory function. */
function asFactory(fn: (...args: unknown[]) => unknown, where: string): EnvFactory {
  const proto = (fn as { prototype?: { step?: unknown; reset?: unknown } }).prototype;
  const isClass =
    proto !== undefined && typeof proto.step === 'function' && typeof proto.reset === 'function';
  return (options) => {
    const env: unknown = isClass
      ? new (fn as unknown as new (options?: EnvOptions) => unknown)(options)
      : fn(options);
    if (typeof env !== 'object' || env === null || typeof (env as Partial<Env>).step !== 'function') {
      throw new TypeError(
        `Env factory '${where}' returned ${describeValue(env)}, not an Env (an object with reset, step, close, ` +
          `observationSpace, actionSpace and spec). Async factories are not supported.`,
      );
    }
    return env as Env;
  };
}
