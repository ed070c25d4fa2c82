/**
 * The standalone page `rl export` writes beside the model. Plain HTML and a classic script (no build
 * step, no modules): it loads `tf.min.js`, `policy.json` and `model.json` from its own folder (serve
 * the folder over HTTP: browsers do not fetch files from file:// pages) and, for CartPole-v1, runs
 * episodes of CartPole in the page with the policy choosing every action.
 *
 * Query parameters: `seed` (initial state, default 0), `fast=1` (run the episode at once instead of
 * at 50 steps per second). The result is on `window.tsrlEpisode` (for tests) and in the page.
 */
import type { ExportedPolicyInfo } from './export-tfjs.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** index.html for an exported policy. */
export function exportPageHtml(info: ExportedPolicyInfo): string {
  const title = `${info.algorithm} policy on ${info.envId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
  canvas { border: 1px solid #ccc; display: block; margin: 1rem 0; }
  #status { font-size: 1.2rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Exported by tsrl ${escapeHtml(info.tsrlVersion)} from <code>${escapeHtml(info.checkpointDir)}</code>; the policy runs in this page with TensorFlow.js.</p>
<canvas id="scene" width="600" height="300"></canvas>
<p id="status">loading the model…</p>
<button id="again" type="button">run another episode</button>
<script src="tf.min.js"></script>
<script src="policy.js"></script>
</body>
</html>
`;
}

/** policy.js: loads the model and runs CartPole-v1 episodes in the page. */
export function exportPageScript(): string {
  return `'use strict';
// CartPole-v1 as Gymnasium writes it (gymnasium/envs/classic_control/cartpole.py): Euler steps of
// 0.02 s, force 10 N, terminated when |x| > 2.4 or |theta| > 12 degrees, truncated at 500 steps.
const CP = { gravity: 9.8, massCart: 1.0, massPole: 0.1, length: 0.5, force: 10.0, tau: 0.02,
  xLimit: 2.4, thetaLimit: (12 * 2 * Math.PI) / 360, maxSteps: 500 };
function cartPoleStep(s, action) {
  const [x, xDot, theta, thetaDot] = s;
  const total = CP.massCart + CP.massPole;
  const pml = CP.massPole * CP.length;
  const force = action === 1 ? CP.force : -CP.force;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const temp = (force + pml * thetaDot * thetaDot * sin) / total;
  const thetaAcc = (CP.gravity * sin - cos * temp) / (CP.length * (4 / 3 - (CP.massPole * cos * cos) / total));
  const xAcc = temp - (pml * thetaAcc * cos) / total;
  return [x + CP.tau * xDot, xDot + CP.tau * xAcc, theta + CP.tau * thetaDot, thetaDot + CP.tau * thetaAcc];
}
// mulberry32: a small seeded PRNG for the initial state (uniform in [-0.05, 0.05], as Gymnasium).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function draw(ctx, s, step, total) {
  const w = ctx.canvas.width;
  const h = ctx.canvas.height;
  const scale = w / (2 * CP.xLimit);
  ctx.clearRect(0, 0, w, h);
  const cartY = h * 0.7;
  ctx.strokeStyle = '#999';
  ctx.beginPath(); ctx.moveTo(0, cartY + 15); ctx.lineTo(w, cartY + 15); ctx.stroke();
  const cx = w / 2 + s[0] * scale;
  ctx.fillStyle = '#333';
  ctx.fillRect(cx - 25, cartY - 15, 50, 30);
  const poleLen = scale * 2 * CP.length;
  ctx.strokeStyle = '#ca9865'; ctx.lineWidth = 10; ctx.lineCap = 'round';
  ctx.beginPath(); ctx.moveTo(cx, cartY - 15);
  ctx.lineTo(cx + poleLen * Math.sin(s[2]), cartY - 15 - poleLen * Math.cos(s[2])); ctx.stroke();
  ctx.lineWidth = 1;
  ctx.fillStyle = '#222'; ctx.font = '14px sans-serif';
  ctx.fillText('step ' + step + '   return ' + total, 10, 20);
}
async function main() {
  const status = document.getElementById('status');
  const ctx = document.getElementById('scene').getContext('2d');
  const params = new URLSearchParams(location.search);
  const info = await (await fetch('policy.json')).json();
  const model = await tf.loadLayersModel('model.json');
  window.tsrlModel = model;
  if (info.envId !== 'CartPole-v1') {
    status.textContent = 'model loaded (input ' + info.inputSize + ', head ' + info.head + '); this page animates CartPole-v1 only.';
    window.tsrlEpisode = { done: true, steps: 0, supported: false };
    return;
  }
  const act = async (s) => {
    const action = tf.tidy(() => model.predict(tf.tensor2d([s], [1, 4])).argMax(1));
    const [a] = await action.data();
    action.dispose();
    return a;
  };
  let seed = Number(params.get('seed') || 0);
  const fast = params.get('fast') === '1';
  async function episode() {
    const rand = mulberry32(seed);
    let s = [0, 0, 0, 0].map(() => rand() * 0.1 - 0.05);
    const initialState = s.slice();
    const actions = [];
    let steps = 0;
    let terminated = false;
    window.tsrlEpisode = { done: false, seed, initialState, actions, steps: 0 };
    status.textContent = 'running an episode (seed ' + seed + ')…';
    while (steps < CP.maxSteps) {
      const a = await act(new Float32Array(s));
      actions.push(a);
      s = cartPoleStep(s, a);
      steps++;
      terminated = Math.abs(s[0]) > CP.xLimit || Math.abs(s[2]) > CP.thetaLimit;
      if (!fast || steps % 50 === 0 || terminated || steps === CP.maxSteps) draw(ctx, s, steps, steps);
      if (!fast) await new Promise((r) => setTimeout(r, 20));
      if (terminated) break;
    }
    status.textContent = terminated
      ? 'the pole fell after ' + steps + ' steps (seed ' + seed + ')'
      : 'balanced the pole for ' + steps + ' steps (seed ' + seed + ')';
    window.tsrlEpisode = { done: true, seed, initialState, actions, steps, terminated, finalState: s };
  }
  document.getElementById('again').onclick = () => { seed += 1; episode(); };
  await episode();
}
main().catch((e) => {
  document.getElementById('status').textContent = 'error: ' + e.message;
  window.tsrlEpisode = { done: true, error: String(e) };
});
`;
}
