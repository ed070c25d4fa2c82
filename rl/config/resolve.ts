/**
 * Config layering: defaults < preset file (YAML or JSON) < `--set a.b.c=value` overrides. Errors
 * name their source: `configs/cartpole-ppo.yaml:12:18: training.lr (-1) must be ...` or
 * `--set training.lr=-1: training.lr (-1) must be ...`.
 */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, parse as parseYaml } from 'yaml';
import type { ConfigShape, TrainConfig } from './common.js';
import { ConfigError } from './config-error.js';
import { didYouMean } from './did-you-mean.js';
import { deepFreeze, joinPath, ObjectSchema, type Schema, type Shape } from './schema.js';

/** A parsed `--set` argument. */
export interface SetOverride {
  /** The argument as given, e.g. `model.hiddenSizes=[64,64]`. */
  readonly arg: string;
  /** The dotted path split into keys. */
  readonly path: readonly string[];
  /** The value, read as a YAML scalar or flow collection (strings stay strings for string fields). */
  readonly value: unknown;
}

/** A config file read from disk: its raw data and a locator for line:column in messages. */
export interface LoadedConfigFile {
  readonly file: string;
  readonly data: Record<string, unknown>;
  /** `file:line:col` of the value at a dotted path (or of its nearest present parent), else `file`. */
  locate(path: string): string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A `.json` file must be JSON, not just YAML that happens to parse (YAML accepts a trailing comma).
 * @throws ConfigError at the line and column of the first syntax error.
 */
function checkStrictJson(file: string, text: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    let where = file;
    if (position !== null) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const col = Number(position[1]) - before.lastIndexOf('\n');
      where = `${file}:${line}:${col}`;
    }
    const summary = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ConfigError(
      {
        path: '<file>',
        value: undefined,
        message: `is not valid JSON: ${summary}`,
        fix: 'YAML syntax goes in a .yaml file',
      },
      where,
    );
  }
}

/**
 * Reads a YAML or JSON config file whose top level is a map; `.json` files are parsed as strict JSON.
 * @throws ConfigError when the file cannot be read, is not valid YAML/JSON, has duplicate keys or is not a map.
 */
export function loadConfigFile(file: string): LoadedConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new ConfigError({
      path: '<file>',
      value: file,
      message: `cannot be read (${why})`,
      fix: 'check the path',
    });
  }
  if (file.toLowerCase().endsWith('.json')) checkStrictJson(file, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const where =
      first.linePos === undefined ? file : `${file}:${first.linePos[0].line}:${first.linePos[0].col}`;
    const summary = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(
      { path: '<file>', value: undefined, message: `is not valid YAML/JSON: ${summary}` },
      where,
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { file, data: {}, locate: () => file };
  if (!isPlainObject(data)) {
    throw new ConfigError(
      {
        path: '<root>',
        value: data,
        message: 'must be a map of config sections',
        fix: 'e.g. "env: { id: CartPole-v1 }"',
      },
      file,
    );
  }
  const locate = (path: string): string => {
    const keys: (string | number)[] =
      path === '' ? [] : path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        const pos = lineCounter.linePos(node.range[0]);
        return `${file}:${pos.line}:${pos.col}`;
      }
    }
    return file;
  };
  return { file, data, locate };
}

/**
 * Finds the schema at a dotted path, rejecting unknown keys with a did-you-mean. Free-form maps
 * (`env.options`) accept any sub-path; lists must be set whole.
 * @throws ConfigError naming the unknown key and the valid ones.
 */
export function schemaAt(root: Schema<unknown>, path: readonly string[]): Schema<unknown> {
  let schema: Schema<unknown> = root;
  let walked = '';
  for (const key of path) {
    while (schema.kind === 'optional') schema = (schema as unknown as { inner: Schema<unknown> }).inner;
    const here = joinPath(walked, key);
    if (schema instanceof ObjectSchema) {
      const shape = schema.shape as Shape;
      const child = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (child === undefined) {
        const keys = Object.keys(shape);
        const near = didYouMean(key, keys);
        const hint = near === undefined ? '' : `did you mean "${joinPath(walked, near)}"? `;
        throw new ConfigError({
          path: here,
          value: undefined,
          message: 'is not a known key',
          fix: `${hint}valid keys: ${keys.join(', ')}`,
        });
      }
      schema = child;
    } else if (schema.kind === 'record' || schema.kind === 'json') {
      return schema;
    } else {
      const fix =
        schema.kind === 'array' ? `set the whole list, e.g. --set ${walked}=[64,64]` : `set ${walked} itself`;
      throw new ConfigError({
        path: here,
        value: undefined,
        message: `is not a key: ${walked} is ${schema.expected}`,
        fix,
      });
    }
    walked = here;
  }
  return schema;
}

/**
 * Parses `a.b.c=value` against `schema`: the path must exist; the value is read as YAML
 * (`64`, `1e-3`, `true`, `[64, 64]`, `{a: 1}`, `null` to clear an optional value), except that
 * string fields keep the raw text (`--set env.id=123` is the string "123").
 * @throws ConfigError for a missing `=`, an unknown path or a value that is not valid YAML.
 */
export function parseSetOverride(arg: string, schema: Schema<unknown>): SetOverride {
  const source = `--set ${arg}`;
  const eq = arg.indexOf('=');
  const dotted = eq < 0 ? '' : arg.slice(0, eq).trim();
  if (eq < 0 || dotted === '' || dotted.split('.').some((k) => k === '')) {
    throw new ConfigError({
      path: '--set',
      value: arg,
      message: 'must look like key.path=value',
      fix: 'e.g. --set training.lr=0.001',
    });
  }
  const path = dotted.split('.');
  let target: Schema<unknown>;
  try {
    target = schemaAt(schema, path);
  } catch (error) {
    throw error instanceof ConfigError ? error.withSource(source) : error;
  }
  const raw = arg.slice(eq + 1);
  let inner = target;
  while (inner.kind === 'optional') inner = (inner as unknown as { inner: Schema<unknown> }).inner;
  if ((inner.kind === 'string' || inner.kind === 'enum') && !/^\s*(null|~)?\s*$/.test(raw)) {
    return { arg, path, value: raw };
  }
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch (error) {
    const summary = (error as Error).message.split('\n')[0]!;
    throw new ConfigError(
      { path: dotted, value: raw, message: `is not a valid YAML value (${summary})` },
      source,
    );
  }
  return { arg, path, value };
}

/** Writes `value` at `path` inside `target`, creating (or replacing non-map) parents. */
function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Deep-merges `top` into `bottom` (maps merge key by key; anything else replaces) and returns `bottom`. */
function mergeInto(bottom: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(top)) {
    const under = bottom[key];
    bottom[key] = isPlainObject(under) && isPlainObject(value) ? mergeInto(under, value) : value;
  }
  return bottom;
}

/** True when `data` has a value at the dotted `path` or at one of its parents (not the root). */
function hasPath(data: Record<string, unknown>, path: string): boolean {
  let node: unknown = data;
  for (const key of path.split('.')) {
    if (!isPlainObject(node) || !(key in node)) return false;
    node = node[key];
    if (!isPlainObject(node)) return true;
  }
  return true;
}

/** Options of {@link resolveConfig}. */
export interface ResolveConfigOptions<T extends Shape> {
  /** The full schema, from `buildConfigSchema(algorithm.trainingSchema)`. */
  readonly schema: ObjectSchema<ConfigShape<T>>;
  /** The algorithm being run (`rl train --algo`); a file's `algo` must match it. */
  readonly algo: string;
  /**
   * A base layer of raw config data below the file, e.g. the config saved in a checkpoint when
   * resuming (`loadCheckpoint(dir).config`): defaults < base < file < sets.
   */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Names `base` in error messages. @default 'base config' */
  readonly baseSource?: string;
  /** A YAML or JSON preset file. */
  readonly file?: string;
  /** `--set` arguments in order; later ones win. CLI flags such as `--seed 3` map to `seed=3`. */
  readonly sets?: readonly string[];
}

/**
 * Resolves a config: defaults < base (a checkpoint's config) < file < `--set`, validated and
 * deep-frozen, with `algo` filled in.
 * @throws ConfigError naming the source (file:line:col or the `--set` argument), the path, the
 *   value, what was expected and a fix.
 */
export function resolveConfig<T extends Shape>(options: ResolveConfigOptions<T>): TrainConfig<T> {
  const { schema, algo } = options;
  const loaded = options.file === undefined ? undefined : loadConfigFile(options.file);
  const base: Record<string, unknown> = structuredClone({ ...(options.base ?? {}) });
  const merged = mergeInto(base, structuredClone(loaded?.data ?? {}));
  const fileAlgo = merged['algo'];
  if (loaded !== undefined && fileAlgo !== undefined && fileAlgo !== null && fileAlgo !== algo) {
    throw new ConfigError(
      {
        path: 'algo',
        value: fileAlgo,
        message: `does not match --algo ${algo}`,
        fix: `run with --algo ${String(fileAlgo)} or remove algo from the file`,
      },
      loaded.locate('algo'),
    );
  }
  const overrides = (options.sets ?? []).map((arg) => parseSetOverride(arg, schema));
  for (const o of overrides) {
    if (o.path.length === 1 && o.path[0] === 'algo' && o.value !== algo) {
      throw new ConfigError(
        {
          path: 'algo',
          value: o.value,
          message: `does not match --algo ${algo}`,
          fix: `run with --algo ${String(o.value)}`,
        },
        `--set ${o.arg}`,
      );
    }
    setIn(merged, o.path, o.value);
  }
  merged['algo'] = algo;
  try {
    return deepFreeze(schema.parse(merged, ''));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const path = error.issue.path;
    // A set is blamed for errors at, above or below its path, and for siblings it made required.
    const parent = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('.')));
    const related = (a: string, b: string): boolean =>
      a === b ||
      a.startsWith(`${b}.`) ||
      b.startsWith(`${a}.`) ||
      (parent(a) !== '' && parent(a) === parent(b));
    const fromSet = [...overrides].reverse().find((o) => related(path, o.path.join('.')));
    if (fromSet !== undefined) throw error.withSource(`--set ${fromSet.arg}`);
    if (loaded !== undefined && (options.base === undefined || hasPath(loaded.data, path))) {
      throw error.withSource(loaded.locate(path));
    }
    if (options.base !== undefined) throw error.withSource(options.baseSource ?? 'base config');
    throw error;
  }
}
