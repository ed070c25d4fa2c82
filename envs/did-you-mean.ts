/** "Did you mean" for env ids and space fields: core's suggestion, in the form envs' messages use. */
import { didYouMean } from '../core/did-you-mean.js';

export { didYouMean } from '../core/did-you-mean.js';

/** `" Did you mean 'x'?"` or the empty string, to append to an error message. */
export function didYouMeanSuffix(name: string, candidates: Iterable<string>): string {
  const s = didYouMean(name, candidates);
  return s === undefined ? '' : ` Did you mean '${s}'?`;
}
