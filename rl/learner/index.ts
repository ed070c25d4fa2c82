/** Learners: the algorithm's learner in the driver's process or as an actor where its GPUs are. */
export { buildLearner, LearnerActor, LearnerActorImpl, type LearnerSpec } from './learner-actor.js';
export { LearnerGroup, type LearnerGroupOptions } from './learner-group.js';
