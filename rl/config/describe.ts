/**
 * A config reference generated from a schema: every leaf path with what it accepts, its default and
 * its description (for `--help`-style listings and docs, so they never drift from the validator).
 */
import { ObjectSchema, type Schema, type Shape } from './schema.js';

/** One documented config key. */
export interface ConfigKeyDoc {
  /** Dotted path, e.g. `training.lr`. */
  readonly path: string;
  /** What it accepts, e.g. `a finite number > 0`. */
  readonly expected: string;
  /** The default as YAML-ish text, `(required)` or `(optional)`. */
  readonly defaultText: string;
  readonly description: string;
}

function innerOf(schema: Schema<unknown>): { schema: Schema<unknown>; optional: boolean } {
  let s = schema;
  let optional = false;
  while (s.kind === 'optional') {
    optional = true;
    s = (s as unknown as { inner: Schema<unknown> }).inner;
  }
  return { schema: s, optional };
}

/** Lists every leaf key of `schema` in declaration order (objects are walked, not listed). */
export function describeSchema(schema: Schema<unknown>, prefix = ''): ConfigKeyDoc[] {
  const { schema: inner } = innerOf(schema);
  if (!(inner instanceof ObjectSchema)) return [];
  const out: ConfigKeyDoc[] = [];
  for (const [key, child] of Object.entries(inner.shape as Shape)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const { schema: leaf, optional } = innerOf(child);
    if (leaf instanceof ObjectSchema) {
      out.push(...describeSchema(leaf, path));
      continue;
    }
    const value = leaf.defaultValue();
    const defaultText =
      optional || value === undefined ? (optional ? '(optional)' : '(required)') : JSON.stringify(value);
    out.push({
      path,
      expected: leaf.expected,
      defaultText,
      description: child.description ?? leaf.description ?? '',
    });
  }
  return out;
}

/** The reference as aligned text lines: `training.lr  2.5e-4  a finite number > 0. Adam learning rate.` */
export function formatConfigReference(schema: Schema<unknown>): string {
  const rows = describeSchema(schema);
  const pathWidth = Math.max(...rows.map((r) => r.path.length), 4);
  const defaultWidth = Math.max(...rows.map((r) => r.defaultText.length), 7);
  return rows
    .map((r) => {
      const text = r.description === '' ? `${r.expected}.` : `${r.description} (${r.expected})`;
      return `${r.path.padEnd(pathWidth)}  ${r.defaultText.padEnd(defaultWidth)}  ${text}`;
    })
    .join('\n');
}
