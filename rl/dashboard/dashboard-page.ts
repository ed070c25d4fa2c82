/**
 * The dashboard's page: plain HTML, CSS and one classic script (no build step, nothing fetched from
 * the internet). It polls the API (see dashboard-server.ts), draws the learning curves as SVG, shows
 * the cluster view of the runs' runtime.json and plays episodes on a canvas. `?pollMs=` sets the poll
 * period (default 2000). State for tests is on `window.tsrlDashboard`.
 */

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
  h1 { font-size: 1.4rem; margin: 0 0 0.2rem; } h2 { font-size: 1.05rem; margin: 0 0 0.5rem; }
  .sub { color: #666; font-size: 0.85rem; margin-bottom: 1rem; }
  .grid { display: grid; grid-template-columns: minmax(640px, 1fr) minmax(360px, 480px); gap: 1rem; }
  .card { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem 1rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
  th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #eee; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .status { border-radius: 3px; padding: 0 0.4rem; font-size: 0.75rem; color: white; }
  .running { background: #2e7d32; } .finished { background: #777; }
  .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; vertical-align: middle; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 0.8rem; font-size: 0.85rem; margin: 0; }
  dt { color: #666; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  canvas { border: 1px solid #ddd; background: white; max-width: 100%; }
  button { font-size: 0.8rem; }
`;

const SCRIPT = `'use strict';
const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d'];
const state = { polls: 0, runs: [], curves: {}, episode: null, error: null };
window.tsrlDashboard = state;
const pollMs = Number(new URLSearchParams(location.search).get('pollMs') || 2000);
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fmt = (v, digits) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const bytes = (n) => (n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + ' MiB' : (n / 1024).toFixed(1) + ' KiB');
const DRAWABLE = ['CartPole-v1', 'Pendulum-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Acrobot-v1'];

async function getJson(url) {
  const res = await fetch(url, { cache: 'no-store' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function renderRuns() {
  const rows = state.runs.map((r, i) => {
    const playable = r.checkpoints.length > 0 && DRAWABLE.includes(r.envId);
    return '<tr data-run="' + esc(r.name) + '"><td><span class="swatch" style="background:' + COLORS[i % COLORS.length] + '"></span> ' + esc(r.name) +
      '</td><td>' + esc((r.algo || '?') + ' ' + (r.envId || '?')) + '</td><td><span class="status ' + r.status + '">' + r.status +
      '</span></td><td class="num iterations">' + r.iterations + '</td><td class="num env-steps">' + r.envSteps +
      '</td><td class="num return">' + fmt(r.episodeReturnMean, 1) + '</td><td>' +
      (playable ? '<button class="play" data-run="' + esc(r.name) + '">play episode</button>' : '') + '</td></tr>';
  });
  $('runs').innerHTML = '<tr><th>run</th><th>algorithm / env</th><th>status</th><th>iterations</th><th>env steps</th><th>return</th><th></th></tr>' + rows.join('');
  for (const b of document.querySelectorAll('button.play')) b.onclick = () => playEpisode(b.dataset.run);
}

function niceTicks(lo, hi, n) {
  const span = hi - lo || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const k = [1, 2, 5, 10].find((m) => span / (m * step) <= n) * step;
  const ticks = [];
  for (let v = Math.ceil(lo / k) * k; v <= hi + 1e-9; v += k) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function renderCurves() {
  const W = 700, H = 340, L = 60, R = 16, T = 12, B = 40;
  const series = state.runs.map((r, i) => ({ run: r.name, color: COLORS[i % COLORS.length], points: state.curves[r.name] || [] }));
  const all = series.flatMap((s) => s.points);
  let parts = [];
  if (all.length === 0) {
    parts.push('<text x="' + W / 2 + '" y="' + H / 2 + '" text-anchor="middle" fill="#888">no episodes finished yet</text>');
  } else {
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    const x0 = 0, x1 = Math.max(...xs) || 1;
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
    const sy = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
    for (const t of niceTicks(y0, y1, 6)) parts.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + sy(t) + '" y2="' + sy(t) + '" stroke="#eee"/><text x="' + (L - 6) + '" y="' + (sy(t) + 4) + '" text-anchor="end" font-size="11">' + t + '</text>');
    for (const t of niceTicks(x0, x1, 6)) parts.push('<text x="' + sx(t) + '" y="' + (H - B + 16) + '" text-anchor="middle" font-size="11">' + (t >= 1000 ? t / 1000 + 'k' : t) + '</text>');
    parts.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + (H - B) + '" y2="' + (H - B) + '" stroke="#888"/><line x1="' + L + '" x2="' + L + '" y1="' + T + '" y2="' + (H - B) + '" stroke="#888"/>');
    parts.push('<text x="' + (L + (W - L - R) / 2) + '" y="' + (H - 6) + '" text-anchor="middle" font-size="12">env steps</text>');
    parts.push('<text transform="translate(14,' + (T + (H - T - B) / 2) + ') rotate(-90)" text-anchor="middle" font-size="12">episodeReturnMean</text>');
    for (const s of series) {
      if (s.points.length === 0) continue;
      const d = s.points.map((p, k) => (k === 0 ? 'M' : 'L') + sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1)).join('');
      parts.push('<path class="curve" data-run="' + esc(s.run) + '" d="' + d + '" fill="none" stroke="' + s.color + '" stroke-width="2"/>');
    }
  }
  $('curves').innerHTML = parts.join('');
}

function renderCluster() {
  const live = state.runs.filter((r) => r.runtime !== null);
  if (live.length === 0) {
    $('cluster').innerHTML = '<p class="sub">no run has written runtime.json yet (rl train writes it after every iteration).</p>';
    return;
  }
  const r = live.find((x) => x.status === 'running') || live[0];
  const rt = r.runtime;
  const node = rt.nodes[0];
  const store = rt.runtime ? rt.runtime.objectStore : null;
  const rows = [
    ['run', esc(r.name) + ' <span class="status ' + r.status + '">' + r.status + '</span>'],
    ['nodes', rt.nodes.length + ' (' + esc(node.host) + ')'],
    ['CPUs', node.numCpus + ', load ' + node.loadAvg.map((l) => l.toFixed(2)).join(' / ')],
    ['memory', bytes(node.totalMemBytes - node.freeMemBytes) + ' used of ' + bytes(node.totalMemBytes)],
    ['GPUs per learner', rt.actors.numGpusPerLearner],
    ['runtime', rt.runtime ? rt.runtime.mode + ' mode, ' + rt.runtime.workerPids.length + ' worker process(es), ' + rt.runtime.numPendingTasks + ' pending task(s)' : 'not started (env runners inline)'],
    ['actors', rt.actors.envRunners + ' env runner(s) (' + rt.actors.envRunnerMode + ', ' + rt.actors.envRunnerRestarts + ' restart(s)), ' + rt.actors.learners + ' learner(s)'],
    ['object store', store ? store.numObjects + ' object(s), ' + bytes(store.usedBytes) + ' of ' + bytes(store.limitBytes) + ', ' + store.numSpilled + ' spilled' : '–'],
    ['updated', new Date(rt.writtenAtMs).toLocaleTimeString()],
  ];
  $('cluster').innerHTML = '<dl>' + rows.map(([k, v]) => '<dt>' + k + '</dt><dd class="' + k.replace(/ /g, '-') + '">' + v + '</dd>').join('') + '</dl>';
}

function drawFrame(ctx, envId, o, t, total) {
  const w = ctx.canvas.width, h = ctx.canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.lineCap = 'round';
  if (envId === 'CartPole-v1') {
    const scale = w / 4.8, cy = h * 0.7, cx = w / 2 + o[0] * scale, len = scale;
    ctx.strokeStyle = '#999'; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(0, cy + 15); ctx.lineTo(w, cy + 15); ctx.stroke();
    ctx.fillStyle = '#333'; ctx.fillRect(cx - 25, cy - 15, 50, 30);
    ctx.strokeStyle = '#ca9865'; ctx.lineWidth = 10; ctx.beginPath(); ctx.moveTo(cx, cy - 15); ctx.lineTo(cx + len * Math.sin(o[2]), cy - 15 - len * Math.cos(o[2])); ctx.stroke();
  } else if (envId === 'Pendulum-v1') {
    const th = Math.atan2(o[1], o[0]), cx = w / 2, cy = h / 2, len = h * 0.4;
    ctx.strokeStyle = '#cc4c4c'; ctx.lineWidth = 14; ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + len * Math.sin(th), cy - len * Math.cos(th)); ctx.stroke();
    ctx.fillStyle = '#333'; ctx.beginPath(); ctx.arc(cx, cy, 6, 0, 2 * Math.PI); ctx.fill();
  } else if (envId.startsWith('MountainCar')) {
    const sx = (p) => ((p + 1.2) / 1.8) * w, sy = (p) => h - (Math.sin(3 * p) * 0.45 + 0.55) * h * 0.8 - 10;
    ctx.strokeStyle = '#555'; ctx.lineWidth = 2; ctx.beginPath();
    for (let p = -1.2; p <= 0.6; p += 0.01) (p === -1.2 ? ctx.moveTo(sx(p), sy(p)) : ctx.lineTo(sx(p), sy(p)));
    ctx.stroke();
    const goal = envId === 'MountainCar-v0' ? 0.5 : 0.45;
    ctx.strokeStyle = '#2e7d32'; ctx.beginPath(); ctx.moveTo(sx(goal), sy(goal)); ctx.lineTo(sx(goal), sy(goal) - 30); ctx.stroke();
    ctx.fillStyle = '#333'; ctx.beginPath(); ctx.arc(sx(o[0]), sy(o[0]) - 8, 9, 0, 2 * Math.PI); ctx.fill();
  } else if (envId === 'Acrobot-v1') {
    const t1 = Math.atan2(o[1], o[0]), t2 = Math.atan2(o[3], o[2]), cx = w / 2, cy = h / 2, len = h * 0.22;
    const x1 = cx + len * Math.sin(t1), y1 = cy + len * Math.cos(t1);
    const x2 = x1 + len * Math.sin(t1 + t2), y2 = y1 + len * Math.cos(t1 + t2);
    ctx.strokeStyle = '#aaa'; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(0, cy - len); ctx.lineTo(w, cy - len); ctx.stroke();
    ctx.strokeStyle = '#4c78a8'; ctx.lineWidth = 10; ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
  }
  ctx.fillStyle = '#222'; ctx.font = '13px sans-serif'; ctx.fillText(envId + '   step ' + t + '   return ' + total.toFixed(1), 10, 18);
}

async function playEpisode(run) {
  $('episode-status').textContent = 'running an episode of ' + run + '…';
  try {
    const ep = await getJson('/api/episode?run=' + encodeURIComponent(run) + '&seed=0');
    state.episode = { run, envId: ep.envId, length: ep.length, episodeReturn: ep.episodeReturn, drawn: 0, done: false };
    const ctx = $('episode').getContext('2d');
    const perStep = ep.length > 0 ? ep.episodeReturn / ep.length : 0;
    for (let t = 0; t < ep.frames.length; t++) {
      drawFrame(ctx, ep.envId, ep.frames[t], t, perStep * t);
      state.episode.drawn = t + 1;
      await new Promise((r) => setTimeout(r, 10));
    }
    state.episode.done = true;
    $('episode-status').textContent = run + ': return ' + ep.episodeReturn.toFixed(1) + ' in ' + ep.length + ' steps (' + ep.checkpointDir + ')';
  } catch (e) {
    state.episode = { run, error: e.message, done: true };
    $('episode-status').textContent = 'error: ' + e.message;
  }
}

async function poll() {
  try {
    const { logDir, runs } = await getJson('/api/runs');
    state.runs = runs;
    $('logdir').textContent = logDir;
    await Promise.all(runs.map(async (r) => {
      state.curves[r.name] = (await getJson('/api/curve?run=' + encodeURIComponent(r.name))).points;
    }));
    renderRuns(); renderCurves(); renderCluster();
    state.error = null;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    state.error = e.message;
    $('updated').textContent = 'error: ' + e.message;
  }
  state.polls++;
  setTimeout(poll, pollMs);
}
poll();
`;

/** The page (static: all data comes from the API). */
export function dashboardPageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tsrl dashboard</title><style>${STYLE}</style></head>
<body>
<h1>tsrl dashboard</h1>
<div class="sub"><span id="logdir"></span> · <span id="updated">loading…</span></div>
<div class="grid">
  <div class="card"><h2>Learning curves</h2><svg id="curves" width="700" height="340" font-family="sans-serif"></svg></div>
  <div class="card"><h2>Cluster</h2><div id="cluster"></div></div>
  <div class="card"><h2>Runs</h2><table id="runs"></table></div>
  <div class="card"><h2>Episode</h2><canvas id="episode" width="440" height="260"></canvas><p id="episode-status" class="sub">pick a run with a checkpoint: play episode</p></div>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
