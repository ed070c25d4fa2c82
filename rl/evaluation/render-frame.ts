/**
 * Text frames of an episode for `rl evaluate --render`, drawn from the observation (the envs have no
 * renderer of their own): a picture for CartPole and Pendulum, the observation numbers otherwise.
 */

const WIDTH = 61;

function bar(position: number, lo: number, hi: number, mark: string): string {
  const cells = Array.from({ length: WIDTH }, () => ' ');
  const i = Math.round(((position - lo) / (hi - lo)) * (WIDTH - 1));
  cells[Math.min(WIDTH - 1, Math.max(0, i))] = mark;
  return cells.join('');
}

/**
 * One frame: `obs` is the observation the agent acted in at step `t`; `episodeReturn` the return so far.
 * CartPole-v1 obs = [x, xDot, theta, thetaDot] (Gymnasium cartpole.py); Pendulum-v1 obs = [cos, sin, thetaDot].
 */
export function renderFrame(envId: string, obs: Float32Array, t: number, episodeReturn: number): string {
  const head = `step ${String(t).padStart(4)}  return ${episodeReturn.toFixed(1).padStart(8)}`;
  if (envId.startsWith('CartPole') && obs.length >= 4) {
    const x = obs[0]!;
    const theta = obs[2]!;
    // The pole as a lean marker over the cart; x in [-2.4, 2.4] is the track.
    const lean = theta < -0.05 ? '\\' : theta > 0.05 ? '/' : '|';
    return `${head}\n${bar(x, -2.4, 2.4, lean)}\n${bar(x, -2.4, 2.4, '#')}\n${'='.repeat(WIDTH)}`;
  }
  if (envId.startsWith('Pendulum') && obs.length >= 3) {
    const angle = Math.atan2(obs[1]!, obs[0]!);
    return `${head}  angle ${angle.toFixed(2).padStart(6)} rad\n${bar(angle, -Math.PI, Math.PI, 'o')}`;
  }
  return `${head}  obs [${Array.from(obs, (v) => v.toFixed(3)).join(', ')}]`;
}
