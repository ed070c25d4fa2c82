/** SAC: the definition and its parts (see README.md). */
export { refineSacConfig, SAC_TRAINING, type SacTraining } from './config.js';
export { SacLearner, type SacLearnerOptions } from './learner.js';
export { defaultTargetEntropy, sacActorLoss, sacAlphaLoss, sacCriticLoss, sacTarget } from './loss.js';
export {
  ACTOR,
  actorSpec,
  CRITIC_TARGETS,
  CRITICS,
  criticSpec,
  LOG_STD_MAX,
  LOG_STD_MIN,
  type SacActionSpec,
  sacActionSpec,
  squashLogStd,
  squashLogStdTensor,
} from './model.js';
export { SacPolicy } from './policy.js';
export { sac } from './sac.js';
