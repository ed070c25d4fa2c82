/**
 * Separate "hosts" on one Linux machine, for cluster tests and `rl bench cluster`: each host is a
 * network namespace with its own address (10.77.0.x/24) on a veth whose other end sits on a bridge in
 * a hub namespace. Nothing is attached to the machine's own network: traffic stays between the
 * namespaces the lab created. A host can be cut off (its hub port set down) and healed.
 *
 * Creating namespaces needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2; {@link netnsUnavailable}
 * says why a machine cannot. {@link NetnsLab.destroy} kills the lab's processes and removes its
 * namespaces; it also runs when the process exits or is stopped by SIGINT, SIGTERM or SIGHUP, and a
 * new lab first removes the namespaces of labs whose process is gone (a test killed with SIGKILL).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PREFIX = 'tsrl';
const NAME = /^tsrl(\d+)l\d+(h\d+|hub)$/;
const SUBNET = '10.77.0';

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function errorText(err: unknown): string {
  const e = err as { stderr?: string | Buffer; message?: string };
  const stderr = e.stderr?.toString().trim();
  return stderr !== undefined && stderr !== '' ? stderr : (e.message ?? String(err));
}

let probed: { reason: string | undefined } | undefined;

/** Why network namespaces cannot be made here, or undefined when they can (checked once). */
export function netnsUnavailable(): string | undefined {
  if (probed !== undefined) return probed.reason;
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = `network namespaces need Linux (this is ${process.platform})`;
  else if (process.getuid?.() !== 0) reason = 'network namespaces need root (ip netns add)';
  else {
    const name = `${PREFIX}${process.pid}l0probe`;
    try {
      ip(['netns', 'add', name]);
      ip(['netns', 'del', name]);
    } catch (err) {
      const text = errorText(err);
      reason = text.includes('ENOENT')
        ? 'the ip command (iproute2) is not installed'
        : `the kernel refused: ${text}`;
    }
  }
  probed = { reason };
  return reason;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function removeStaleNamespaces(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = NAME.exec(name);
    if (m !== null && !isAlive(Number(m[1]))) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // already gone
      }
    }
  }
}

/** How to run a script module (.ts through tsx, .js as is) with node. */
export function nodeCommand(script: URL): string[] {
  const path = fileURLToPath(script);
  if (!path.endsWith('.ts')) return [process.execPath, path];
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', loader, path];
}

/** A process running in a lab host. */
export class LabProcess {
  private readonly lines: string[] = [];
  private readonly waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  private stderrTail = '';

  constructor(readonly proc: ChildProcess) {
    if (proc.stdout !== null) {
      createInterface({ input: proc.stdout }).on('line', (line) => {
        this.lines.push(line);
        for (const w of this.waiters.filter((w) => w.re.test(line))) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      });
    }
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-65536);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** The first stdout line matching `re` (earlier lines included). @throws Error after `timeoutMs` */
  async line(re: RegExp, timeoutMs = 20_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        this.waiters.push({ re, resolve });
        timer = setTimeout(
          () =>
            reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr: ${this.stderrTail}`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything printed on stdout so far, and the last stderr. */
  output(): { stdout: readonly string[]; stderr: string } {
    return { stdout: this.lines, stderr: this.stderrTail };
  }

  /** Sends a signal (no-op once exited). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }
}

/** One namespaced host. */
export interface LabHost {
  readonly index: number;
  readonly ns: string;
  /** Its address on the lab network. */
  readonly address: string;
}

const liveLabs = new Set<NetnsLab>();
process.on('exit', () => {
  for (const lab of liveLabs) lab.destroy();
});
// Killed by a signal (a test runner giving up on a hung file), 'exit' never comes: clean up, then
// let the signal do what it would have done.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = (): void => {
    for (const lab of liveLabs) lab.destroy();
    process.off(signal, onSignal);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}

let labCounter = 0;

/** See the module comment. */
export class NetnsLab {
  private readonly processes = new Set<LabProcess>();
  private destroyed = false;

  private constructor(
    readonly hosts: readonly LabHost[],
    private readonly hub: string,
  ) {}

  /**
   * Creates `numHosts` hosts (at most 200).
   * @throws Error when namespaces cannot be made (check {@link netnsUnavailable} first)
   */
  static create(numHosts: number): NetnsLab {
    const reason = netnsUnavailable();
    if (reason !== undefined) throw new Error(`cannot create network namespaces: ${reason}`);
    if (!Number.isInteger(numHosts) || numHosts < 1 || numHosts > 200) {
      throw new Error(`numHosts must be 1-200 (got ${numHosts})`);
    }
    removeStaleNamespaces();
    const base = `${PREFIX}${process.pid}l${++labCounter}`;
    const hub = `${base}hub`;
    const hosts: LabHost[] = [];
    for (let i = 0; i < numHosts; i++)
      hosts.push({ index: i, ns: `${base}h${i}`, address: `${SUBNET}.${i + 1}` });
    const lab = new NetnsLab(hosts, hub);
    liveLabs.add(lab);
    try {
      ip(['netns', 'add', hub]);
      ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', hub, 'link', 'set', 'br0', 'up']);
      for (const h of hosts) {
        ip(['netns', 'add', h.ns]);
        ip([
          'link',
          'add',
          'eth0',
          'netns',
          h.ns,
          'type',
          'veth',
          'peer',
          'name',
          `p${h.index}`,
          'netns',
          hub,
        ]);
        ip(['-n', hub, 'link', 'set', `p${h.index}`, 'master', 'br0']);
        ip(['-n', hub, 'link', 'set', `p${h.index}`, 'up']);
        ip(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
        ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
        ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
      }
    } catch (err) {
      lab.destroy();
      throw new Error(`creating the namespace lab failed: ${errorText(err)}`);
    }
    return lab;
  }

  /** Starts `command` (argv) inside host `index` (in `cwd` when given); stdout is read line by line. */
  run(
    index: number,
    command: readonly string[],
    env: Readonly<Record<string, string>> = {},
    cwd?: string,
  ): LabProcess {
    const host = this.host(index);
    const proc = spawn('ip', ['netns', 'exec', host.ns, ...command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      ...(cwd === undefined ? {} : { cwd }),
    });
    const p = new LabProcess(proc);
    this.processes.add(p);
    return p;
  }

  /** Cuts host `index` off the lab network (its packets are dropped both ways). */
  partition(index: number): void {
    ip(['-n', this.hub, 'link', 'set', `p${this.host(index).index}`, 'down']);
  }

  /** Reconnects a partitioned host. */
  heal(index: number): void {
    ip(['-n', this.hub, 'link', 'set', `p${this.host(index).index}`, 'up']);
  }

  private host(index: number): LabHost {
    const host = this.hosts[index];
    if (host === undefined) throw new Error(`no lab host ${index} (the lab has ${this.hosts.length})`);
    return host;
  }

  /** Kills the lab's processes (SIGKILL) and removes its namespaces. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    for (const p of this.processes) p.kill('SIGKILL');
    for (const name of [...this.hosts.map((h) => h.ns), this.hub]) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // never created, or already removed
      }
    }
  }
}
