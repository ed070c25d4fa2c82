/**
 * PPO as an {@link AlgorithmDefinition}: the iteration is RLlib's on-policy loop,
 *   fragments = sample from every env runner  ->  learner.update(fragments)  ->  sync weights,
 * with GAE and the minibatch epochs inside the learner (./learner.ts) and the loss in ./loss.ts.
 */
import type { SpaceJson } from '../../envs/spaces/space.js';
import type {
  AlgorithmContext,
  AlgorithmDefinition,
  IterationOutcome,
  IterationServices,
  TrainingIteration,
} from '../../rl/algorithm.js';
import { envStepsPerSampleRound } from '../../rl/config/common.js';
import { PPO_TRAINING, type PpoTraining, refinePpoConfig } from './config.js';
import { ppoDeterministicNetwork } from './export.js';
import { PpoLearner } from './learner.js';
import { actionHeadFor, actorCriticSpec, initActorCritic, macsPerRow } from './model.js';
import { PpoPolicy } from './policy.js';

type PpoShape = (typeof PPO_TRAINING)['shape'];

/** Env steps at which PPO's linear schedules reach 0: `training.annealEnvSteps`, else `stop.envSteps`. */
function annealHorizon(ctx: AlgorithmContext<PpoTraining>): number {
  return ctx.training.annealEnvSteps ?? ctx.config.stop.envSteps ?? Number.MAX_SAFE_INTEGER;
}

/** One on-policy iteration: sample -> learn -> sync weights. */
class PpoIteration implements TrainingIteration {
  async run(
    services: IterationServices,
    counters: { iteration: number; envSteps: number },
  ): Promise<IterationOutcome> {
    const { fragments, episodes, envSteps } = await services.sample();
    const learner = await services.update(fragments, {
      envSteps: counters.envSteps,
      iteration: counters.iteration,
    });
    await services.syncWeights();
    return { envSteps, episodes, learner };
  }
}

/** Proximal Policy Optimization (Schulman et al. 2017), discrete and continuous actions. */
export const ppo: AlgorithmDefinition<PpoShape> = {
  name: 'ppo',
  description:
    'Proximal Policy Optimization (clipped surrogate, GAE); Discrete, Box, MultiDiscrete and MultiBinary actions.',
  ref: { moduleUrl: import.meta.url, exportName: 'ppo' },
  trainingSchema: PPO_TRAINING,
  refineConfig: refinePpoConfig,
  checkSpaces(_observationSpace: SpaceJson, actionSpace: SpaceJson): void {
    actionHeadFor(actionSpace);
  },
  runnerSpec: () => ({ recordNextObs: false }),
  createPolicy(ctx) {
    const spec = actorCriticSpec(ctx.obsSize, ctx.config.model, ctx.actionSpace, ctx.observationSpace);
    const policy = new PpoPolicy(spec);
    // Runners start from the learner's initial weights (same seed); the driver syncs before sampling anyway.
    policy.setWeights(initActorCritic(spec, ctx.config.seed));
    return policy;
  },
  createLearner(ctx) {
    const spec = actorCriticSpec(ctx.obsSize, ctx.config.model, ctx.actionSpace, ctx.observationSpace);
    const numLearners = ctx.config.learners.numLearners;
    // Data-parallel learners exchange plain-JS gradients (./js-gradients.ts), which cover MLPs.
    if (numLearners > 1 && spec.conv !== undefined) {
      throw new TypeError(
        `learners.numLearners (${numLearners}) > 1 runs PPO's gradients in plain JS, which covers MLPs only; this model has a conv torso: set learners.numLearners to 1.`,
      );
    }
    return new PpoLearner({
      spec,
      training: ctx.training,
      annealEnvSteps: annealHorizon(ctx),
      seed: ctx.config.seed,
      ...(numLearners > 1 ? { gradients: 'js' as const } : {}),
    });
  },
  learnerWorkload(ctx) {
    const spec = actorCriticSpec(ctx.obsSize, ctx.config.model, ctx.actionSpace, ctx.observationSpace);
    const rows = Math.floor(envStepsPerSampleRound(ctx.config) / ctx.training.numMinibatches);
    return { macsPerStep: rows * macsPerRow(spec) };
  },
  createIteration: () => new PpoIteration(),
  deterministicNetwork: (ctx, weights) =>
    ppoDeterministicNetwork(ctx as unknown as AlgorithmContext, weights),
};

/** Env steps per PPO iteration for a config (the train batch). */
export const ppoTrainBatchSize = envStepsPerSampleRound;
