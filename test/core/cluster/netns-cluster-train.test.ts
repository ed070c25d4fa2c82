/**
 * `rl train --address` on three namespaced hosts through the real CLI (`bin/rl.js`, built dist/): a head
 * on host 0 offering no GPU, a CPU node on host 1 and a node with one (declared) GPU on host 2. PPO with
 * two env-runner actors on the cluster trains to its iteration limit; a learner asking for a GPU starts
 * on host 2's node (the nodes log each actor they start) and nowhere else.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabProcess, NetnsLab, netnsUnavailable } from '../../../bench/netns-lab.js';

const unavailable = netnsUnavailable();
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RL = join(REPO, 'bin', 'rl.js');

describe.skipIf(unavailable !== undefined)(
  `rl train across namespaced hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: NetnsLab;
    const root = mkdtempSync(join(tmpdir(), 'tsrl-cluster-train-'));
    const keyFile = join(root, 'cluster.key');
    let address = '';
    let head!: LabProcess;
    let cpuNode!: LabProcess;
    let gpuNode!: LabProcess;
    const env = (i: number) => ({ TSRL_CLUSTER_DIR: join(root, `host${i}`), TSRL_LOG_LEVEL: 'info' });
    const rl = (host: number, ...args: string[]): LabProcess =>
      lab.run(host, [process.execPath, RL, ...args], env(host));

    beforeAll(async () => {
      for (const i of [0, 1, 2]) mkdirSync(join(root, `host${i}`), { recursive: true, mode: 0o700 });
      mkdirSync(join(root, 'job'));
      lab = NetnsLab.create(3);
      const h0 = lab.hosts[0]?.address ?? '';
      head = rl(0, 'cluster', 'start', '--head', '--block', '--bind', h0, '--port', '0', '--num-cpus', '1');
      address = /listening on (\S+)/.exec(await head.line(/^cluster head listening on /))?.[1] ?? '';
      copyFileSync(join(root, 'host0', 'cluster.key'), keyFile);
      const join1 = ['cluster', 'start', '--address', address, '--key-file', keyFile, '--block'];
      cpuNode = rl(1, ...join1, '--num-cpus', '2');
      gpuNode = rl(2, ...join1, '--num-cpus', '2', '--num-gpus', '1');
      await cpuNode.line(/joined the cluster/, 60_000);
      await gpuNode.line(/joined the cluster/, 60_000);
    }, 120_000);

    afterAll(() => {
      lab?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    /** Runs `rl train` (PPO on CartPole, 2 runner actors) on host 0 in an empty job directory. */
    function train(...sets: string[]): LabProcess {
      const argv = [process.execPath, RL, 'train', '--algo', 'ppo'];
      argv.push(
        '--config',
        join(REPO, 'configs', 'cartpole-ppo.yaml'),
        '--set',
        'envRunners.numEnvRunners=2',
      );
      for (const s of sets) argv.push('--set', s);
      argv.push('--stop-iterations', '3', '--seed', '0', '--json', '--output', join(root, `run-${++runs}`));
      argv.push('--address', address, '--key-file', keyFile);
      // The working directory is what the nodes receive: nothing of the job's own here.
      return lab.run(0, argv, env(0), join(root, 'job'));
    }
    let runs = 0;

    /** `rl cluster start` processes' log lines saying an actor of `name` starts there. */
    const starts = (p: LabProcess, name: string): string[] =>
      p
        .output()
        .stderr.split('\n')
        .filter((l) => l.includes(`starts here: ${name},`));

    it('trains to its iteration limit with the env runners on the nodes', async () => {
      const run = train();
      const code = await run.exited;
      if (code !== 0) throw new Error(`rl train exited ${code}: ${run.output().stderr}`);
      const iterations = run
        .output()
        .stdout.filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { iteration?: number });
      expect(iterations.map((r) => r.iteration)).toEqual([1, 2, 3]);
      const runners = [head, cpuNode, gpuNode].map((p) => starts(p, 'EnvRunnerActor').length);
      expect(runners.reduce((a, b) => a + b, 0)).toBe(2);
    }, 300_000);

    it('places a learner asking for a GPU on the node offering one', async () => {
      const run = train('learners.numGpusPerLearner=1');
      const code = await run.exited;
      // The learner runs tfjs-node-gpu; where it is not installed (CI), it fails saying so.
      if (code !== 0) expect(run.output().stderr).toContain('tfjs-node-gpu not installed');
      expect(starts(gpuNode, 'LearnerActor')).toEqual([expect.stringContaining('"GPU":1')]);
      expect(starts(cpuNode, 'LearnerActor')).toEqual([]);
      expect(starts(head, 'LearnerActor')).toEqual([]);
    }, 300_000);
  },
);
