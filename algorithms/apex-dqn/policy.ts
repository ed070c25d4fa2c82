/**
 * APEX-DQN's runner-side policy: DQN's epsilon-greedy Q policy (algorithms/dqn/policy.ts) with the
 * runner's own epsilon (runner control), plus runner-side postprocessing: each fragment becomes n-step
 * transitions (an accumulator per runner, so windows survive fragment boundaries) with their initial
 * priorities from this runner's Q-values (./loss.ts), ready for a replay shard.
 */
import type { SeededRng } from '../../envs/rng.js';
import type { Fragment, InferencePolicy, PolicyOutput, RunnerControl } from '../../rl/algorithm.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { FragmentAccumulator } from '../../rl/off-policy/off-policy-iteration.js';
import { NStepAccumulator } from '../../rl/postprocessing/n-step-accumulator.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { DqnPolicy } from '../dqn/policy.js';
import { initialPriorities } from './loss.js';

/** Options of {@link ApexPolicy}. */
export interface ApexPolicyOptions {
  readonly spec: MlpSpec;
  readonly numActions: number;
  readonly dueling: boolean;
  readonly obsSize: number;
  readonly nStep: number;
  readonly gamma: number;
  /** Added to |TD| for priorities. */
  readonly priorityEps: number;
}

/** See the module comment. */
export class ApexPolicy implements InferencePolicy {
  readonly extraColumns: readonly string[] = [];
  private readonly q: DqnPolicy;
  private acc: FragmentAccumulator | undefined;

  constructor(private readonly o: ApexPolicyOptions) {
    this.q = new DqnPolicy(o.spec, o.numActions, o.dueling);
  }

  setWeights(weights: NamedWeights): void {
    this.q.setWeights(weights);
  }

  setControl(control: RunnerControl): void {
    this.q.setControl(control);
  }

  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void {
    this.q.act(obs, numRows, explore, rng, out);
  }

  /** n-step transitions of the fragment (and earlier waiting steps) with a `priorities` column. */
  postprocess(fragment: Fragment): Fragment {
    this.acc ??= new FragmentAccumulator(
      new NStepAccumulator({
        numEnvs: fragment.numEnvs,
        obsSize: this.o.obsSize,
        actionSize: 0,
        actionDtype: 'int32',
        nStep: this.o.nStep,
        gamma: this.o.gamma,
      }),
      this.o.obsSize,
      1,
    );
    const batch = this.acc.drainAfter(fragment);
    const B = batch.count;
    const priorities = initialPriorities(
      {
        q: this.q.qValues(batch.float32(Columns.OBS), B),
        nextQ: this.q.qValues(batch.float32(Columns.NEXT_OBS), B),
        actions: batch.int32(Columns.ACTIONS),
        rewards: batch.float32(Columns.REWARDS),
        discounts: batch.float32(Columns.DISCOUNTS),
        terminated: batch.uint8(Columns.TERMINATED),
        numActions: this.o.numActions,
      },
      this.o.priorityEps,
    );
    return { batch: batch.withColumns({ [Columns.PRIORITIES]: priorities }), numEnvs: 1 };
  }
}
