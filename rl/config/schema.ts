/**
 * A small schema toolkit for typed, validated configs (our own, no zod): each schema parses an
 * unknown value into a typed one or throws a {@link ConfigError} that names the full path, the value,
 * what was expected and a fix. `Infer<typeof schema>` gives the TypeScript type.
 *
 * Absent values (undefined, or YAML's null / `~`) take the schema's default; an object takes its
 * children's defaults; a value with no default is required unless wrapped in `s.optional`.
 */
import { ConfigError } from './config-error.js';
import { didYouMean, formatChoices } from './did-you-mean.js';

/** The kinds of schema; `--set` uses them to decide how to read a value. */
export type SchemaKind =
  | 'number'
  | 'string'
  | 'enum'
  | 'boolean'
  | 'array'
  | 'object'
  | 'record'
  | 'json'
  | 'optional';

/** A validator for values of type `T`. */
export interface Schema<T> {
  readonly kind: SchemaKind;
  /** What the schema accepts, e.g. `an integer >= 1`; used in messages. */
  readonly expected: string;
  /** Human description for docs and `--help`. */
  readonly description: string | undefined;
  /** A fresh copy of the default, or undefined when there is none. */
  defaultValue(): T | undefined;
  /**
   * Validates `value` found at `path` and returns it typed (objects rebuilt, unknown keys rejected).
   * @throws ConfigError naming the path, the value, what was expected and a fix.
   */
  parse(value: unknown, path: string): T;
  /** Type-level carrier of `T`; never set at run time. */
  readonly _output?: T;
}

/** A schema whose value may be absent; in an object its key becomes optional. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly kind: 'optional';
  readonly inner: Schema<T>;
}

/** The type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** The children of an object schema. */
export type Shape = { readonly [key: string]: Schema<unknown> };

type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The object type an object schema with children `S` produces. */
export type InferShape<S extends Shape> = Simplify<
  { readonly [K in RequiredKeys<S>]: Infer<S[K]> } & {
    readonly [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
  }
>;

/** A JSON value (for free-form options such as `env.options`). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Passed to `refine` hooks for cross-field checks. */
export interface RefineContext {
  /** The path of the object being refined (`''` at the root). */
  readonly path: string;
  /**
   * Rejects the config. `relativePath` is joined to the object's path.
   * @throws ConfigError always.
   */
  fail(relativePath: string, value: unknown, message: string, fix?: string): never;
}

/** Options shared by every schema. */
interface BaseOptions<T> {
  /** Value used when the key is absent. */
  readonly default?: T;
  readonly description?: string;
}

/** Options of `s.number` and `s.int`. */
export interface NumberOptions extends BaseOptions<number> {
  readonly min?: number;
  readonly max?: number;
  /** When true, `min` itself is rejected (`> min`). @default false */
  readonly exclusiveMin?: boolean;
  /** When true, `max` itself is rejected (`< max`). @default false */
  readonly exclusiveMax?: boolean;
}

/** Options of `s.array`. */
export interface ArrayOptions<T> extends BaseOptions<readonly T[]> {
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** Options of `s.object`. */
export interface ObjectOptions<T> {
  readonly description?: string;
  /** Cross-field checks, run after every child is valid. Call `ctx.fail(...)` to reject. */
  readonly refine?: (value: T, ctx: RefineContext) => void;
}

/** Joins a parent path and a key: `joinPath('env', 'id')` is `env.id`. */
export function joinPath(parent: string, key: string): string {
  if (parent === '') return key;
  if (key === '') return parent;
  return `${parent}.${key}`;
}

function displayPath(path: string): string {
  return path === '' ? '<root>' : path;
}

function fail(path: string, value: unknown, message: string, fix?: string): never {
  throw new ConfigError(
    fix === undefined
      ? { path: displayPath(path), value, message }
      : { path: displayPath(path), value, message, fix },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Deep copy of plain data (defaults are shared, parsed values must not alias them). */
function clone<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

/** Deep-freezes plain data in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Resolves an absent value: the default, or a "required" error. */
function absent<T>(schema: Schema<T>, fallback: T | undefined, path: string): T {
  if (fallback !== undefined) return clone(fallback);
  return fail(path, undefined, `is required (${schema.expected})`);
}

function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function rangeText(o: NumberOptions): string {
  const lo = o.min === undefined ? undefined : `${o.exclusiveMin === true ? '>' : '>='} ${o.min}`;
  const hi = o.max === undefined ? undefined : `${o.exclusiveMax === true ? '<' : '<='} ${o.max}`;
  if (lo !== undefined && hi !== undefined) return ` ${lo} and ${hi}`;
  return lo !== undefined ? ` ${lo}` : hi !== undefined ? ` ${hi}` : '';
}

function numberSchema(integer: boolean, o: NumberOptions): Schema<number> {
  const expected = `${integer ? 'an integer' : 'a finite number'}${rangeText(o)}`;
  const inRange = (x: number): boolean =>
    !(
      (o.min !== undefined && (o.exclusiveMin === true ? x <= o.min : x < o.min)) ||
      (o.max !== undefined && (o.exclusiveMax === true ? x >= o.max : x > o.max))
    );
  return {
    kind: 'number',
    expected,
    description: o.description,
    defaultValue: () => o.default,
    parse(value, path) {
      if (isAbsent(value)) return absent(this, o.default, path);
      if (typeof value !== 'number' || !Number.isFinite(value))
        return fail(path, value, `must be ${expected}`);
      if (integer && !Number.isInteger(value)) {
        const near = [Math.floor(value), Math.ceil(value)].filter(inRange).map(String);
        return fail(
          path,
          value,
          `must be ${expected}`,
          near.length > 0 ? `try ${formatChoices(near)}` : undefined,
        );
      }
      if (!inRange(value)) return fail(path, value, `must be ${expected}`);
      return value;
    },
  };
}

/** The schema builders: `s.object({ lr: s.number({ min: 0, exclusiveMin: true }) })`. */
export const s = {
  /** A finite number, optionally bounded. */
  number(options: NumberOptions = {}): Schema<number> {
    return numberSchema(false, options);
  },

  /** An integer, optionally bounded; a fractional value suggests its neighbours. */
  int(options: NumberOptions = {}): Schema<number> {
    return numberSchema(true, options);
  },

  /** A string; `minLength` defaults to 1 (empty strings are rarely meant). */
  string(options: BaseOptions<string> & { readonly minLength?: number } = {}): Schema<string> {
    const minLength = options.minLength ?? 1;
    const expected = minLength > 0 ? 'a non-empty string' : 'a string';
    return {
      kind: 'string',
      expected,
      description: options.description,
      defaultValue: () => options.default,
      parse(value, path) {
        if (isAbsent(value)) return absent(this, options.default, path);
        if (typeof value !== 'string' || value.length < minLength)
          return fail(path, value, `must be ${expected}`);
        return value;
      },
    };
  },

  /** One of a fixed list of strings; a near miss suggests the closest choice. */
  enum<const V extends string>(values: readonly V[], options: BaseOptions<V> = {}): Schema<V> {
    const expected = `one of ${formatChoices(
      values.map((v) => JSON.stringify(v)),
      'or',
    )}`;
    return {
      kind: 'enum',
      expected,
      description: options.description,
      defaultValue: () => options.default,
      parse(value, path) {
        if (isAbsent(value)) return absent(this, options.default, path);
        if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as V;
        const near = typeof value === 'string' ? didYouMean(value, values) : undefined;
        return fail(
          path,
          value,
          `must be ${expected}`,
          near === undefined ? undefined : `did you mean "${near}"?`,
        );
      },
    };
  },

  /** true or false. */
  boolean(options: BaseOptions<boolean> = {}): Schema<boolean> {
    return {
      kind: 'boolean',
      expected: 'true or false',
      description: options.description,
      defaultValue: () => options.default,
      parse(value, path) {
        if (isAbsent(value)) return absent(this, options.default, path);
        if (typeof value !== 'boolean') return fail(path, value, 'must be true or false');
        return value;
      },
    };
  },

  /** An array whose items all match `item`; errors name the index: `model.hiddenSizes.1`. */
  array<T>(item: Schema<T>, options: ArrayOptions<T> = {}): Schema<readonly T[]> {
    const bounds =
      options.minLength !== undefined && options.maxLength !== undefined
        ? ` of ${options.minLength} to ${options.maxLength} items`
        : options.minLength !== undefined
          ? ` of at least ${options.minLength} item${options.minLength === 1 ? '' : 's'}`
          : options.maxLength !== undefined
            ? ` of at most ${options.maxLength} items`
            : '';
    const expected = `a list${bounds}, each ${item.expected}`;
    return {
      kind: 'array',
      expected,
      description: options.description,
      defaultValue: () => clone(options.default),
      parse(value, path) {
        if (isAbsent(value)) return absent(this, options.default, path);
        if (!Array.isArray(value)) return fail(path, value, `must be ${this.expected}`);
        if (
          (options.minLength !== undefined && value.length < options.minLength) ||
          (options.maxLength !== undefined && value.length > options.maxLength)
        ) {
          return fail(path, value, `must be ${this.expected}`);
        }
        return value.map((x, i) => item.parse(x, joinPath(path, String(i))));
      },
    };
  },

  /** A value that may be absent; inside `s.object` its key becomes optional (`key?: T`). */
  optional<T>(inner: Schema<T>): OptionalSchema<T> {
    return {
      kind: 'optional',
      inner,
      expected: `${inner.expected} (optional)`,
      description: inner.description,
      defaultValue: () => undefined,
      parse: (value, path) => (isAbsent(value) ? undefined : inner.parse(value, path)),
    };
  },

  /** A string-keyed map of values matching `value` (default `{}`). */
  record<T>(
    value: Schema<T>,
    options: BaseOptions<Readonly<Record<string, T>>> = {},
  ): Schema<Readonly<Record<string, T>>> {
    return {
      kind: 'record',
      expected: 'a map of keys to values',
      description: options.description,
      defaultValue: () => clone(options.default ?? {}),
      parse(input, path) {
        if (isAbsent(input)) return clone(options.default ?? {});
        if (!isPlainObject(input)) return fail(path, input, 'must be a map of keys to values');
        const out: Record<string, T> = {};
        for (const [key, v] of Object.entries(input)) out[key] = value.parse(v, joinPath(path, key));
        return out;
      },
    };
  },

  /** Any JSON value (free-form options handed to env constructors). */
  json(options: BaseOptions<JsonValue> = {}): Schema<JsonValue> {
    const check = (value: unknown, path: string): JsonValue => {
      if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (Array.isArray(value)) return value.map((x, i) => check(x, joinPath(path, String(i))));
      if (isPlainObject(value)) {
        const out: Record<string, JsonValue> = {};
        for (const [k, v] of Object.entries(value)) out[k] = check(v, joinPath(path, k));
        return out;
      }
      return fail(path, value, 'must be plain JSON data (null, boolean, finite number, string, list or map)');
    };
    return {
      kind: 'json',
      expected: 'any JSON value',
      description: options.description,
      defaultValue: () => clone(options.default),
      parse: (value, path) =>
        value === undefined ? absent(s.json(), options.default, path) : check(value, path),
    };
  },

  /** An object with known keys; unknown keys are errors with a did-you-mean and the valid keys. */
  object<const S extends Shape>(shape: S, options: ObjectOptions<InferShape<S>> = {}): ObjectSchema<S> {
    return new ObjectSchema(shape, options);
  },
};

/** The schema of an object with children `shape`; its `shape` is public so `--set` can walk paths. */
export class ObjectSchema<S extends Shape> implements Schema<InferShape<S>> {
  readonly kind = 'object';
  readonly expected = 'a map of keys to values';
  readonly description: string | undefined;
  readonly shape: S;
  readonly #refine: ((value: unknown, ctx: RefineContext) => void) | undefined;

  constructor(shape: S, options: ObjectOptions<InferShape<S>>) {
    this.shape = shape;
    this.description = options.description;
    this.#refine = options.refine as ((value: unknown, ctx: RefineContext) => void) | undefined;
  }

  /** The valid keys, in declaration order. */
  get keys(): string[] {
    return Object.keys(this.shape);
  }

  /** The defaults of every child (throws when a required child has none). */
  defaultValue(): InferShape<S> | undefined {
    try {
      return this.parse({}, '');
    } catch {
      return undefined;
    }
  }

  parse(value: unknown, path: string): InferShape<S> {
    const input = isAbsent(value) ? {} : value;
    if (!isPlainObject(input)) return fail(path, value, 'must be a map of keys to values');
    const keys = this.keys;
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(this.shape, key)) {
        const near = didYouMean(key, keys);
        const hint = near === undefined ? '' : `did you mean "${near}"? `;
        fail(joinPath(path, key), input[key], 'is not a known key', `${hint}valid keys: ${keys.join(', ')}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const parsed = this.shape[key]!.parse(input[key], joinPath(path, key));
      if (parsed !== undefined) out[key] = parsed;
    }
    if (this.#refine !== undefined) {
      this.#refine(out, {
        path,
        fail: (relativePath, v, message, fix) => fail(joinPath(path, relativePath), v, message, fix),
      });
    }
    return out as InferShape<S>;
  }
}
