/**
 * Membership explanations that work with any {@link Space}, including ones written outside tsrl.
 */
import { describeValue } from './describe-value.js';
import type { ExplainingSpace, Space } from './space.js';

/** True when `space` has an `explain(x)` method. */
export function isExplainingSpace(space: Space): space is Space & ExplainingSpace {
  return typeof (space as Partial<ExplainingSpace>).explain === 'function';
}

/**
 * Why `x` is not a member of `space`, or undefined when it is. Uses the space's own `explain` when it
 * has one, else its `contains`.
 */
export function explainNotContained(space: Space, x: unknown): string | undefined {
  if (isExplainingSpace(space)) return space.explain(x);
  return space.contains(x) ? undefined : `${describeValue(x)} is not a member of the ${space.type} space`;
}
