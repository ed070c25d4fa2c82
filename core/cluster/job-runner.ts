/**
 * What a cluster node does with the work drivers send it: it runs tasks and actors with the local
 * process runtime (a NodeBackend with this machine's resources and worker processes, started at the
 * first job message), and sends each result to the driver that owns it.
 *
 * Per message: the job's code package is fetched (once per hash, then cached), the definition is
 * resolved inside the package or tsrl's installation (job-sites.ts; anything else is refused with an
 * error to the driver), the argument values are put in the local store, and the task or call is
 * submitted. Actor ids are the driver's; each maps to a local actor. A driver that ends (`job-end`)
 * has its actors killed.
 */
import { createRequire } from 'node:module';
import { tmpdir, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { DefinitionSite } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import { type ErrorPayload, toErrorPayload } from '../errors.js';
import { createLogger } from '../logger.js';
import { NodeBackend } from '../node/node-backend.js';
import type { ObjectRef } from '../object-ref.js';
import { newObjectId } from '../object-store.js';
import { defaultSharedParent, materialize } from '../shared-objects.js';
import {
  checkJobToNode,
  type InnerObject,
  type JobToDriver,
  type JobToNode,
  type WireArgs,
  type WireSite,
} from './job-protocol.js';
import { linkNodeModules, resolveWireSite } from './job-sites.js';
import type { NodeLoad, Resources } from './protocol.js';

const log = createLogger('cluster.node');

/** What a runner needs from its process. */
export interface JobRunnerDeps {
  readonly resources: Resources;
  /** The directory of a job's code package on this machine (fetched and unpacked when needed). */
  fetchPackage(hash: string): Promise<string>;
  /** Sends a job message to a driver (through the head). */
  send(driverId: string, message: JobToDriver): void;
}

/** Neither is ever called: a node's workers load definitions by module. */
const NOT_LOCAL = (): never => {
  throw new Error('cluster nodes load definitions by module');
};
class NotLocal {}

interface JobActors {
  /** Driver actor id -> local actor id. */
  readonly ids: Map<number, number>;
}

/** See the module comment. */
export class JobRunner {
  private backend: NodeBackend | undefined;
  private starting: Promise<NodeBackend> | undefined;
  private readonly jobs = new Map<string, JobActors>();
  private readonly packages = new Map<string, Promise<string>>();
  /** Per driver: the end of its messages being handled (each waits for the one before). */
  private readonly inOrder = new Map<string, Promise<void>>();
  private running = 0;
  private closed = false;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Handles one relayed message; a malformed one is answered by dropping it with a log line. */
  handle(driverId: string, frame: Uint8Array | undefined): void {
    let message: JobToNode;
    try {
      message = checkJobToNode(frame);
    } catch (err) {
      log.warn(`ignored a malformed job message from driver ${driverId}: ${(err as Error).message}`);
      return;
    }
    // In the driver's order: an actor's calls must not overtake its creation (which may wait for the
    // job's package to be fetched while a call needs nothing fetched).
    const previous = this.inOrder.get(driverId) ?? Promise.resolve();
    const done = previous.then(() =>
      this.run(driverId, message).catch((err: unknown) => this.failed(driverId, message, err)),
    );
    this.inOrder.set(driverId, done);
    void done.then(() => {
      if (this.inOrder.get(driverId) === done) this.inOrder.delete(driverId);
    });
  }

  private failed(driverId: string, message: JobToNode, err: unknown): void {
    const id = 'id' in message ? message.id : undefined;
    const error = toErrorPayload(err, 'runtime');
    if (id !== undefined) this.deps.send(driverId, { t: 'failed', id, error });
    else if (message.t === 'actor')
      this.deps.send(driverId, { t: 'actor-failed', actorId: message.actorId, error });
    else log.warn(`job message ${message.t} from driver ${driverId} failed: ${error.message}`);
  }

  private async run(driverId: string, m: JobToNode): Promise<void> {
    // The definition is resolved first: a refused module never starts a worker.
    const site = m.t === 'task' || m.t === 'actor' ? await this.site(m.pkg, m.site) : undefined;
    const backend = await this.node();
    const actors = this.actorsOf(driverId);
    switch (m.t) {
      case 'task': {
        if (site === undefined) return;
        const args = this.localArgs(backend, m.args);
        const ref = backend.submitTask(site, NOT_LOCAL, args, {
          resources: m.resources,
          maxRetries: m.maxRetries,
          retryExceptions: m.retryExceptions,
          ...(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs }),
        });
        this.reply(driverId, m.id, backend, ref, args);
        return;
      }
      case 'actor': {
        if (site === undefined) return;
        const args = this.localArgs(backend, m.args);
        const local = backend.createActor(site, NotLocal, args, {
          resources: m.resources,
          name: undefined,
          maxRestarts: m.maxRestarts,
          maxTaskRetries: m.maxTaskRetries,
          maxConcurrency: m.maxConcurrency,
        });
        actors.ids.set(m.actorId, local);
        log.info(
          `actor ${m.actorId} of driver ${driverId} starts here: ${m.site.exportName}, resources ${JSON.stringify(m.resources)}`,
        );
        for (const dep of args.deps) backend.store.unpin(dep);
        return;
      }
      case 'call': {
        // Another driver's named actor: its creation came in its owner's order; wait for that.
        if (m.owner !== undefined) await this.inOrder.get(m.owner);
        const local = (m.owner === undefined ? actors : this.actorsOf(m.owner)).ids.get(m.actorId);
        if (local === undefined) {
          throw new Error(`actor ${m.actorId} of driver ${m.owner ?? driverId} does not live on this node`);
        }
        const args = this.localArgs(backend, m.args);
        this.reply(driverId, m.id, backend, backend.callActor(local, m.method, args), args);
        return;
      }
      case 'kill': {
        const local = actors.ids.get(m.actorId);
        if (local !== undefined) backend.killActor(local, true);
        actors.ids.delete(m.actorId);
        return;
      }
      case 'cancel':
        // Results are keyed by the driver's ids; the local ids are not kept, so a cancel only stops
        // the driver from waiting (the driver fails the ref itself).
        return;
    }
  }

  private actorsOf(driverId: string): JobActors {
    let job = this.jobs.get(driverId);
    if (job === undefined) {
      job = { ids: new Map() };
      this.jobs.set(driverId, job);
    }
    return job;
  }

  private async site(pkg: string, site: WireSite): Promise<DefinitionSite> {
    const dir = await this.jobDir(pkg);
    return { moduleUrl: resolveWireSite(site, dir), exportName: site.exportName };
  }

  private jobDir(hash: string): Promise<string> {
    let dir = this.packages.get(hash);
    if (dir === undefined) {
      dir = this.deps.fetchPackage(hash).then((d) => {
        linkNodeModules(d);
        return d;
      });
      dir.catch(() => this.packages.delete(hash));
      this.packages.set(hash, dir);
    }
    return dir;
  }

  /** Puts the argument values in the local store (pinned until the task or call took them). */
  private localArgs(backend: NodeBackend, args: WireArgs): EncodedValue {
    const deps: number[] = [];
    for (const d of args.deps) {
      const id = newObjectId();
      backend.store.putReadyPinned(id, encoded(d.data, d.frames));
      deps.push(id);
    }
    return { ...encoded(args.data, args.frames), deps };
  }

  private reply(
    driverId: string,
    id: number,
    backend: NodeBackend,
    ref: ObjectRef,
    args: EncodedValue,
  ): void {
    // The task pinned its arguments; drop ours.
    for (const dep of args.deps) backend.store.unpin(dep);
    this.running++;
    backend.store.onSettled(ref.id, () => {
      const state = backend.store.state(ref.id);
      const send = (message: JobToDriver): void => {
        this.running--;
        this.deps.send(driverId, message);
        void ref; // keeps the local object (and the objects it refers to) alive until here
      };
      if (state?.kind === 'failed') send({ t: 'failed', id, error: state.error });
      else if (state?.kind !== 'ready') {
        send({ t: 'failed', id, error: toErrorPayload(new Error('result freed'), 'object-lost') });
      } else {
        const value = { data: state.value.data, frames: materialize(state.value).frames };
        const inner = state.value.refs;
        if (inner.length === 0) send({ t: 'result', id, value });
        else
          whenSettled(backend, inner, () => {
            const objects = innerObjects(backend, inner);
            send(
              Array.isArray(objects)
                ? { t: 'result', id, value, inner: objects }
                : { t: 'failed', id, error: objects },
            );
          });
      }
    });
  }

  private async node(): Promise<NodeBackend> {
    if (this.closed) throw new Error('this node is shutting down');
    if (this.backend !== undefined) return this.backend;
    this.starting ??= (async () => {
      addTsxLoader();
      const backend = new NodeBackend({
        localMode: false,
        resources: this.deps.resources,
        objectStoreMemoryBytes: Math.floor(totalmem() * 0.3),
        transport: 'ipc',
        spillDirectory: tmpdir(),
        sharedMemoryDirectory: defaultSharedParent(),
      });
      await backend.start();
      this.backend = backend;
      return backend;
    })();
    return this.starting;
  }

  /** A driver is gone: its actors stop. */
  endJob(driverId: string): void {
    const job = this.jobs.get(driverId);
    this.jobs.delete(driverId);
    if (job === undefined || this.backend === undefined) return;
    for (const local of job.ids.values()) this.backend.killActor(local, true);
    log.info(`job of driver ${driverId} ended: ${job.ids.size} actors stopped`);
  }

  /** What this node reports with its heartbeats. */
  load(): NodeLoad {
    const stats = this.backend?.stats();
    let numActors = 0;
    for (const job of this.jobs.values()) numActors += job.ids.size;
    return {
      resourcesUsed: this.backend?.resourcesInUse() ?? {},
      numActors,
      numQueuedTasks: stats === undefined ? 0 : stats.numPendingTasks,
      objectStoreBytes: this.backend?.store.stats().usedBytes ?? 0,
    };
  }

  /** Stops the workers. */
  async shutdown(): Promise<void> {
    this.closed = true;
    const backend = this.backend ?? (this.starting === undefined ? undefined : await this.starting);
    await backend?.shutdown();
  }

  /** Whether the node's worker processes were started (by the first accepted job message). */
  get started(): boolean {
    return this.starting !== undefined;
  }

  /** Tasks and calls whose results are not sent yet. */
  get numRunning(): number {
    return this.running;
  }
}

/**
 * Lets the node's workers load TypeScript job modules: workers of a node running the build start
 * with tsx's loader (a tsrl dependency), as workers of a driver running from sources already do.
 */
function addTsxLoader(): void {
  const fromBuild = import.meta.url.endsWith('.js') && !process.execArgv.some((a) => a.includes('tsx'));
  if (!fromBuild) return;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const current = process.env['TSRL_WORKER_NODE_ARGS'] ?? '';
  if (!current.includes(loader))
    process.env['TSRL_WORKER_NODE_ARGS'] = `${current} --import ${loader}`.trim();
}

function encoded(data: Uint8Array, frames: readonly Uint8Array[]): EncodedValue {
  let sizeBytes = data.byteLength;
  for (const f of frames) sizeBytes += f.byteLength;
  return { data, frames, deps: [], refs: [], sizeBytes };
}

/** Calls `done` once every object of `ids` is settled (ready, failed or freed). */
function whenSettled(backend: NodeBackend, ids: readonly number[], done: () => void): void {
  let pending = ids.length;
  for (const id of ids)
    backend.store.onSettled(id, () => {
      if (--pending === 0) done();
    });
}

/**
 * The objects a result refers to (an actor's put()), to travel with it: the driver owns the result
 * and stores them as its own. One level: an object that itself holds refs is refused.
 */
function innerObjects(backend: NodeBackend, ids: readonly number[]): InnerObject[] | ErrorPayload {
  const objects: InnerObject[] = [];
  for (const id of ids) {
    const s = backend.store.state(id);
    if (s?.kind === 'failed') return s.error;
    if (s?.kind !== 'ready')
      return toErrorPayload(new Error(`ObjectRef(${id}) inside the result was freed`), 'object-lost');
    if (s.value.refs.length > 0) {
      const why =
        'a result refers to an object that itself holds ObjectRefs: one level of refs leaves a node';
      return toErrorPayload(new Error(why), 'runtime');
    }
    objects.push({ id, value: { data: s.value.data, frames: materialize(s.value).frames } });
  }
  return objects;
}
