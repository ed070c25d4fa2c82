/**
 * A/B of the runtime microbenchmark against an earlier version, in the same window: runs
 * `rl bench core --json` of this tree (new) and of the base (old) alternately, new first
 * (new, old, new, old, ...), records the load average before each run, and prints JSON with every
 * run and, per row, the median of each side and new/old.
 *
 * Run from the repository root after `npm run build`:
 *   node --import tsx bench/ab-core.ts --base <commit or built tree> [--rounds 2] [--out ab.json]
 * A commit is unpacked with `git archive` into a temporary folder (removed at the end) that links this
 * tree's node_modules and is built with `tsc -p tsconfig.build.json`; a folder is used as it is
 * (it must hold a built dist/).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Row {
  readonly value: number;
  readonly unit: string;
}

interface Run {
  readonly side: 'new' | 'old';
  readonly startedAt: string;
  readonly loadAverage1m: number;
  readonly results: Record<string, Row>;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** A built tree of the base: the folder itself, or a commit unpacked and built in a temporary folder. */
function baseTree(base: string, here: string): { dir: string; temporary: boolean } {
  if (existsSync(base)) {
    const dir = resolve(base);
    if (!existsSync(join(dir, 'dist'))) {
      throw new Error(`--base ${base}: no dist/ there; run npm run build in it first`);
    }
    return { dir, temporary: false };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsrl-ab-base-'));
  const archive = execFileSync('git', ['archive', base], { cwd: here, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'));
  process.stderr.write(`ab-core: building ${base} in ${dir}\n`);
  execFileSync(
    process.execPath,
    [join(here, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  return { dir, temporary: true };
}

function runBench(side: 'new' | 'old', dir: string): Run {
  const loadAverage1m = loadavg()[0] ?? Number.NaN;
  const startedAt = new Date().toISOString();
  process.stderr.write(`ab-core: ${side} (${dir}), load ${loadAverage1m.toFixed(1)}\n`);
  const out = spawnSync(process.execPath, ['bin/rl.js', 'bench', 'core', '--json'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error(`ab-core: rl bench core (${side}) exited ${out.status}`);
  const parsed = JSON.parse(out.stdout) as { results: { core: { results: Record<string, Row> } } };
  return { side, startedAt, loadAverage1m, results: parsed.results.core.results };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const base = option('base');
if (base === undefined) throw new Error('ab-core: --base <commit or built tree> is required');
const rounds = Number(option('rounds') ?? 2);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`ab-core: --rounds must be an integer >= 1`);
const here = process.cwd();
const tree = baseTree(base, here);
const runs: Run[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    runs.push(runBench('new', here));
    runs.push(runBench('old', tree.dir));
  }
} finally {
  if (tree.temporary) rmSync(tree.dir, { recursive: true, force: true });
}
const rows: Record<string, { unit: string; new: number[]; old: number[]; newOverOld: number | null }> = {};
for (const run of runs) {
  for (const [name, row] of Object.entries(run.results)) {
    rows[name] ??= { unit: row.unit, new: [], old: [], newOverOld: null };
    rows[name][run.side].push(row.value);
  }
}
for (const row of Object.values(rows)) {
  if (row.new.length > 0 && row.old.length > 0)
    row.newOverOld = Number((median(row.new) / median(row.old)).toFixed(3));
}
const report = { base, rounds, order: runs.map((r) => r.side), runs, rows };
const outFile = option('out');
if (outFile !== undefined) writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ base, rounds, rows }, null, 2)}\n`);
