/**
 * Figures that the benchmarks print beside their own but do not measure: published by other projects
 * or timed earlier on other software. Each carries its source and machine in the JSON itself, so that
 * a ratio against it is read as what it is (docs/measurements.md).
 */

/** A figure not measured in this run. */
export interface RecordedFigure {
  readonly value: number;
  readonly unit: string;
  /** Always true: the JSON says, next to the number, that this run did not measure it. */
  readonly recorded: true;
  /** Where it comes from: a URL or a file a reader can open. */
  readonly source: string;
  /** The machine it was measured on. */
  readonly machine: string;
}

/** Ray 2.22's `ray microbenchmark`, one node. */
const RAY_SOURCE =
  'https://github.com/ray-project/ray/blob/ray-2.22.0/release/release_logs/2.22.0/microbenchmark.json';
const RAY_MACHINE = 'one AWS m5.16xlarge, 64 vCPUs (Ray release/microbenchmark/tpl_64.yaml)';

const ray = (value: number, unit: string): RecordedFigure => ({
  value,
  unit,
  recorded: true,
  source: RAY_SOURCE,
  machine: RAY_MACHINE,
});

/** Ray's figures for the measurements of bench/core.ts. */
export const RAY_MICROBENCHMARK = {
  tasksSync: ray(971, 'ops/s'),
  tasksAsync: ray(8194, 'ops/s'),
  actorCallsSync: ray(2096, 'ops/s'),
  actorCallsAsync: ray(9063, 'ops/s'),
  nToNActorCallsAsync: ray(27_688, 'ops/s'),
  getCalls: ray(10_270, 'ops/s'),
  putCalls: ray(5196, 'ops/s'),
  waitOn1kRefs: ray(5.0, 'ops/s'),
  putGigabytes: ray(20.1, 'GB/s'),
} as const;

/** The Python peers of bench/train.ts (docs/measurements.md, "Python peers"). */
const PEER_MACHINE =
  'the 2-core tsrl development machine, torch 1.13 CPU, one thread; median of 8 runs, 2026-12-04';
const PEER_SOURCE = 'docs/measurements.md#python-peers-recorded';
const peer = (value: number, unit: string): RecordedFigure => ({
  value,
  unit,
  recorded: true,
  source: PEER_SOURCE,
  machine: PEER_MACHINE,
});

/** A peer's seconds from launch and env steps to the preset's threshold. */
export interface PeerRecord {
  readonly timeS: RecordedFigure;
  readonly envSteps: RecordedFigure;
}

/** The peers by preset file and peer name. */
export const PYTHON_PEERS: Readonly<Record<string, Readonly<Record<string, PeerRecord>>>> = {
  'cartpole-ppo.yaml': {
    cleanrl: { timeS: peer(19.4, 's'), envSteps: peer(176e3, 'env steps') },
    sb3: { timeS: peer(5.9, 's'), envSteps: peer(34e3, 'env steps') },
  },
  'cartpole-dqn.yaml': { cleanrl: { timeS: peer(31.7, 's'), envSteps: peer(269e3, 'env steps') } },
  'pendulum-sac.yaml': {
    cleanrl: { timeS: peer(64.3, 's'), envSteps: peer(11.4e3, 'env steps') },
    sb3: { timeS: peer(72.2, 's'), envSteps: peer(7.0e3, 'env steps') },
  },
};

/** Gymnasium 1.x CartPole-v1 through `gymnasium.make`, one env, random actions, in Python. */
export const GYMNASIUM_CARTPOLE: RecordedFigure = {
  value: 145_000,
  unit: 'steps/s',
  recorded: true,
  source: 'docs/measurements.md#python-peers-recorded',
  machine: 'the 2-core tsrl development machine, Python 3, Gymnasium 1.x',
};
