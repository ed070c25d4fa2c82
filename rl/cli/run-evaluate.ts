/** The body of `rl evaluate`, loaded only when the command runs. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { evaluateCheckpoint } from '../evaluation/evaluate-checkpoint.js';
import type { EvaluateFlags } from './commands/evaluate.js';
import type { CliWiring } from './wiring.js';

/**
 * Shows frames no faster than `fps`: an episode drawn as fast as the policy steps is over before it
 * can be watched. The render loop calls back synchronously, so the wait blocks this thread, which has
 * nothing else to do meanwhile.
 */
function pacedFrames(fps: number, show: (frame: string) => void): (frame: string) => void {
  const frameMs = 1000 / fps;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let nextMs: number | undefined;
  return (frame) => {
    const now = performance.now();
    if (nextMs !== undefined && nextMs > now) Atomics.wait(sleeper, 0, 0, nextMs - now);
    show(frame);
    nextMs = Math.max(now, nextMs ?? now) + frameMs;
  };
}

/** Runs `rl evaluate`: prints the mean return (and, with --json, the whole result) and writes it. */
export async function runEvaluate(flags: EvaluateFlags, wiring: CliWiring): Promise<void> {
  const checkpoint = loadCheckpoint(flags.checkpoint);
  const algorithm = await wiring.loadAlgorithm(checkpoint.algorithm);
  const result = await evaluateCheckpoint(checkpoint.dir, {
    resolveAlgorithm: () => algorithm,
    ...(flags.episodes === undefined ? {} : { episodes: flags.episodes }),
    ...(flags.env === undefined ? {} : { env: flags.env }),
    render: flags.render === true,
    ...(flags.gif === undefined ? {} : { gifPath: resolve(flags.gif) }),
    fps: flags.fps ?? 30,
    onFrame: pacedFrames(flags.fps ?? 30, (frame) => wiring.stdout.write(`\x1b[H\x1b[2J${frame}\n`)),
  });
  const { summary } = result;
  if (flags.output !== undefined)
    writeFileSync(resolve(flags.output), `${JSON.stringify(result, null, 2)}\n`);
  if (flags.json === true) {
    wiring.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (result.gif !== undefined)
    wiring.stderr.write(`wrote ${result.gif.frames} frames of one episode to ${result.gif.path}\n`);
  const mean = summary.episodeReturnMean === null ? 'n/a' : summary.episodeReturnMean.toFixed(2);
  const len = summary.episodeLenMean === null ? 'n/a' : summary.episodeLenMean.toFixed(1);
  wiring.stdout.write(
    `${result.algorithm} on ${result.envId}: mean return ${mean} over ${summary.episodes} episodes ` +
      `(mean length ${len}); checkpoint ${result.checkpointDir}\n`,
  );
}
