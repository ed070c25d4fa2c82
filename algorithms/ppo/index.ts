/** PPO: the definition and its parts (see README.md). */
export { PPO_TRAINING, type PpoTraining, refinePpoConfig } from './config.js';
export { PpoLearner, type PpoLearnerOptions } from './learner.js';
export { normalizeAdvantages, type PpoLossCoefs, type PpoLossInputs, ppoLoss } from './loss.js';
export { type ActorCriticSpec, actorCriticSpec, initActorCritic } from './model.js';
export { PpoPolicy } from './policy.js';
export { ppo } from './ppo.js';
