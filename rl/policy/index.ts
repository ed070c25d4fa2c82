/** Trained policies outside training: `loadPolicy(checkpoint).computeAction(obs)`. */
export {
  type ComputeActionOptions,
  type LoadedPolicy,
  type LoadPolicyOptions,
  loadPolicyWith,
} from './load-policy.js';
