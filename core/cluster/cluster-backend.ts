/**
 * A driver joined to a cluster (`init({ address })`): it owns its objects (a local store; every result
 * comes back here), places tasks and actors on the cluster's nodes by their resources (placement.ts),
 * and sends them through the head (driver-link.ts, job-protocol.ts). The job's working directory is
 * uploaded once as a code package; definitions travel as paths inside it (job-sites.ts).
 *
 * Failures: a node the head declares dead (or cannot reach) loses the work placed there: its tasks
 * run again elsewhere while `maxRetries` allows, else fail with ObjectLostError naming the node; its
 * actors restart elsewhere while `maxRestarts` allows (calls in flight retried while
 * `maxTaskRetries` allows), else calls fail with ActorDiedError naming the node. A finished result is
 * never lost with a node: it is already here. A restarted head (a new head id) counts as losing every
 * node's work; a head silent for `headTimeoutMs` fails everything pending with a clear error.
 */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import { type EncodedValue, remapKeptRefs } from '../codec.js';
import { type ErrorPayload, toErrorPayload } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ObjectRef } from '../object-ref.js';
import { newObjectId, ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import { materialize } from '../shared-objects.js';
import { ClusterActors } from './cluster-actors.js';
import type { DriverLink } from './driver-link.js';
import {
  checkJobToDriver,
  type JobToDriver,
  type JobToNode,
  packJobMessage,
  type WireArgs,
  type WireSite,
} from './job-protocol.js';
import { toWireSite } from './job-sites.js';
import { Placement } from './placement.js';
import type { FromHead, NamedActorEntry } from './protocol.js';

const log = createLogger('cluster.driver');

/** What a cluster driver is started with. */
export interface ClusterBackendOptions {
  readonly link: DriverLink;
  readonly packageHash: string;
  readonly jobRoot: string;
  readonly objectStoreMemoryBytes: number;
  readonly spillDirectory: string | undefined;
  /** Uploads the job's package again (a restarted head holds none). */
  readonly reupload: () => Promise<void>;
}

interface TaskRecord {
  readonly id: number;
  readonly site: WireSite;
  readonly args: EncodedValue;
  readonly options: ResolvedTaskOptions;
  nodeId: string | undefined;
  lossesLeft: number;
}

/** Node-loss and head-loss error payloads. */
export function lostPayload(message: string): ErrorPayload {
  return { kind: 'object-lost', name: 'ObjectLostError', message, stack: `ObjectLostError: ${message}` };
}

/** See the module comment. */
export class ClusterBackend implements Backend {
  readonly store: ObjectStore;
  private readonly link: DriverLink;
  private readonly placement = new Placement();
  private readonly tasks = new Map<number, TaskRecord>();
  private waiting: TaskRecord[] = [];
  private readonly sites = new WeakMap<DefinitionSite, WireSite>();
  private readonly actors: ClusterActors;
  private headId: string | undefined;
  private readonly deadCauses = new Map<string, string>();
  private broken: ErrorPayload | undefined;
  private readonly warnedInfeasible = new Set<string>();
  /** Named actors of every driver, from the head's last node table. */
  private names = new Map<string, NamedActorEntry>();
  /** Placing waits while the package is uploaded to a restarted head. */
  private paused = false;

  constructor(private readonly opts: ClusterBackendOptions) {
    this.store = new ObjectStore(opts.objectStoreMemoryBytes, opts.spillDirectory);
    this.link = opts.link;
    this.actors = new ClusterActors({
      store: this.store,
      placement: this.placement,
      send: (nodeId, m) => this.link.toNode(nodeId, packJobMessage(m)),
      wireArgs: (args) => this.wireArgs(args),
      packageHash: opts.packageHash,
      paused: () => this.paused,
      announce: (name, actorId, nodeId, exportName) => this.link.announce(name, actorId, nodeId, exportName),
    });
  }

  /** Wires the link's events (the link is made before the backend). */
  onNodes(m: Extract<FromHead, { t: 'nodes' }>): void {
    if (this.headId !== undefined && m.headId !== this.headId) {
      log.warn(`the cluster head restarted (${this.headId} -> ${m.headId}): work in flight runs again`);
      this.paused = true;
      for (const nodeId of this.placement.nodeIds())
        this.loseNode(nodeId, 'the cluster head restarted', false);
      this.opts.reupload().then(
        () => {
          this.paused = false;
          this.placeAll();
        },
        (err: unknown) =>
          this.onLost(new Error(`uploading the job to the restarted head failed: ${(err as Error).message}`)),
      );
    }
    this.headId = m.headId;
    this.names = new Map(m.names.map((e) => [e.name, e]));
    const listed = new Set<string>();
    for (const entry of m.nodes) {
      listed.add(entry.nodeId);
      if (entry.state === 'alive') {
        const back = !this.placement.has(entry.nodeId);
        this.placement.upsert(entry, back);
        if (back) {
          this.deadCauses.delete(entry.nodeId);
          this.actors.nodeBack(entry.nodeId);
        }
      } else if (this.placement.has(entry.nodeId)) {
        this.loseNode(entry.nodeId, entry.deathCause ?? 'declared dead by the head', true);
      }
    }
    // A node missing from the table of a head that has run long enough for it to re-register is gone.
    if (m.uptimeMs > m.deadAfterMs) {
      for (const nodeId of this.placement.nodeIds())
        if (!listed.has(nodeId)) this.loseNode(nodeId, 'no longer known to the head', true);
    }
    this.placeAll();
    this.actors.refreshForeign(this.names);
  }

  private placeAll(): void {
    this.placeWaiting();
    this.actors.placeWaiting();
  }

  /** The head ended this job while the driver was silent: the work placed on every node runs again. */
  onJobEnded(reason: string): void {
    log.warn(`${reason}: the work placed on the nodes runs again`);
    for (const nodeId of this.placement.nodeIds()) this.loseNode(nodeId, reason, false);
  }

  onNodeGone(nodeId: string): void {
    if (this.placement.has(nodeId)) this.loseNode(nodeId, 'the head cannot reach it', true);
  }

  onFromNode(nodeId: string, frame: Uint8Array | undefined): void {
    let m: ReturnType<typeof checkJobToDriver>;
    try {
      m = checkJobToDriver(frame);
    } catch (err) {
      log.warn(`ignored a malformed job message from node ${nodeId}: ${(err as Error).message}`);
      return;
    }
    if (m.t === 'actor-failed') {
      this.actors.failed(m.actorId, m.error);
      return;
    }
    const task = this.tasks.get(m.id);
    if (task !== undefined) {
      this.tasks.delete(m.id);
      if (task.nodeId !== undefined) this.placement.release(task.nodeId, task.options.resources);
      this.settle(m);
      for (const dep of task.args.deps) this.store.unpin(dep);
      this.placeWaiting();
      return;
    }
    const call = this.actors.takeResult(m.id);
    if (call) this.settle(m);
  }

  onLost(error: Error): void {
    this.broken = lostPayload(error.message);
    log.error(error.message);
    for (const task of this.tasks.values()) this.store.fail(task.id, this.broken);
    this.tasks.clear();
    this.waiting = [];
    this.actors.failAll(this.broken);
  }

  private settle(m: Exclude<JobToDriver, { t: 'actor-failed' }>): void {
    if (m.t === 'failed') {
      this.store.fail(m.id, m.error);
      return;
    }
    if (m.inner === undefined || m.inner.length === 0) {
      this.store.resolve(m.id, encodedOf(m.value));
      return;
    }
    // The result refers to objects made on the node: they become this driver's, under its own ids.
    const ids = new Map<number, number>();
    try {
      for (const o of m.inner) {
        const id = newObjectId();
        this.store.putReadyPinned(id, encodedOf(o.value));
        ids.set(o.id, id);
      }
      const data = remapKeptRefs(m.value.data, m.value.frames, (nodeId) => {
        const id = ids.get(nodeId);
        if (id === undefined) throw new Error(`the result refers to ObjectRef(${nodeId}), not sent with it`);
        return id;
      });
      this.store.resolve(m.id, {
        data,
        frames: [],
        deps: [],
        refs: [...ids.values()],
        sizeBytes: data.byteLength,
      });
    } catch (err) {
      this.store.fail(m.id, toErrorPayload(err, 'runtime'));
    } finally {
      for (const id of ids.values()) this.store.unpin(id); // the result holds them now
    }
  }

  /** Loses the work placed on a node; `dead` also forgets the node until it comes back. */
  private loseNode(nodeId: string, cause: string, dead: boolean): void {
    const host = this.placement.host(nodeId) ?? 'unknown host';
    const why = `node ${nodeId} (${host}) was lost: ${cause}`;
    if (dead) {
      log.warn(why);
      this.deadCauses.set(nodeId, why);
      this.placement.remove(nodeId);
    }
    const rerun: TaskRecord[] = [];
    for (const task of this.tasks.values()) {
      if (task.nodeId !== nodeId) continue;
      this.placement.release(nodeId, task.options.resources);
      task.nodeId = undefined;
      if (task.lossesLeft > 0) {
        task.lossesLeft--;
        rerun.push(task);
      } else {
        this.tasks.delete(task.id);
        for (const dep of task.args.deps) this.store.unpin(dep);
        this.store.fail(task.id, lostPayload(`${why}; task ${task.site.exportName} has no retries left`));
      }
    }
    this.waiting.unshift(...rerun);
    this.actors.loseNode(nodeId, why, dead);
    this.placeAll();
  }

  submitTask(
    site: DefinitionSite,
    _fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef {
    const ref = this.store.createPending();
    if (this.broken !== undefined) {
      this.store.fail(ref.id, this.broken);
      return ref;
    }
    const task: TaskRecord = {
      id: ref.id,
      site: this.wireSite(site),
      args,
      options,
      nodeId: undefined,
      lossesLeft: options.maxRetries,
    };
    this.tasks.set(task.id, task);
    this.afterDeps(args, (error) => {
      if (!this.tasks.has(task.id)) return;
      if (error !== undefined) {
        this.tasks.delete(task.id);
        for (const dep of args.deps) this.store.unpin(dep);
        this.store.fail(task.id, error);
        return;
      }
      this.waiting.push(task);
      this.placeWaiting();
    });
    return ref;
  }

  /** Pins the refs inside `args` and calls `ready` once all are settled (with the first failure). */
  private afterDeps(args: EncodedValue, ready: (error: ErrorPayload | undefined) => void): void {
    for (const dep of args.deps) this.store.pin(dep);
    let pending = args.deps.length;
    const done = (): void => ready(this.depError(args.deps));
    if (pending === 0) {
      done();
      return;
    }
    for (const dep of args.deps)
      this.store.onSettled(dep, () => {
        if (--pending === 0) done();
      });
  }

  /** The first reason the settled `deps` cannot travel: freed, failed, or holding refs. */
  private depError(deps: readonly number[]): ErrorPayload | undefined {
    for (const dep of deps) {
      const s = this.store.state(dep);
      if (s === undefined) return lostPayload(`argument ObjectRef(${dep}) was freed`);
      if (s.kind === 'failed') return s.error;
      if (s.kind === 'ready' && s.value.refs.length > 0) {
        const message = `argument ObjectRef(${dep}) holds ObjectRefs inside; a cluster task takes plain values`;
        return toErrorPayload(new Error(message), 'runtime');
      }
    }
    return undefined;
  }

  /** The wire form of resolved arguments (every dep is ready: see afterDeps). */
  private wireArgs(args: EncodedValue): WireArgs {
    return {
      data: args.data,
      // A large value made in a process that runs a node lives in a shared file: send its bytes.
      frames: materialize(args).frames,
      deps: args.deps.map((dep) => {
        const s = this.store.state(dep);
        if (s?.kind !== 'ready') throw new Error(`internal: argument ObjectRef(${dep}) is not ready`);
        return { data: s.value.data, frames: materialize(s.value).frames };
      }),
    };
  }

  private wireSite(site: DefinitionSite): WireSite {
    let wire = this.sites.get(site);
    if (wire === undefined) {
      wire = toWireSite(site, this.opts.jobRoot);
      this.sites.set(site, wire);
    }
    return wire;
  }

  private placeWaiting(): void {
    if (this.waiting.length === 0 || this.paused) return;
    const still: TaskRecord[] = [];
    for (const task of this.waiting) {
      if (!this.tasks.has(task.id)) continue;
      const nodeId = this.placement.pick(task.options.resources, 'task');
      if (nodeId === undefined) {
        still.push(task);
        this.warnInfeasible(task.options.resources, task.site.exportName);
        continue;
      }
      task.nodeId = nodeId;
      this.placement.use(nodeId, task.options.resources);
      const m: JobToNode = {
        t: 'task',
        id: task.id,
        pkg: this.opts.packageHash,
        site: task.site,
        resources: task.options.resources,
        maxRetries: task.options.maxRetries,
        retryExceptions: task.options.retryExceptions,
        ...(task.options.timeoutMs === undefined ? {} : { timeoutMs: task.options.timeoutMs }),
        args: this.wireArgs(task.args),
      };
      this.link.toNode(nodeId, packJobMessage(m));
    }
    this.waiting = still;
  }

  private warnInfeasible(request: Readonly<Record<string, number>>, what: string): void {
    if (this.placement.feasible(request)) return;
    const key = JSON.stringify(request);
    if (this.warnedInfeasible.has(key)) return;
    this.warnedInfeasible.add(key);
    log.warn(`${what} asks for ${key}, which no live node offers: it waits until such a node joins`);
  }

  createActor(
    site: DefinitionSite,
    _cls: ActorClass,
    args: EncodedValue,
    options: ResolvedActorOptions,
  ): number {
    if (this.broken !== undefined) throw new Error(this.broken.message);
    const wire = this.wireSite(site);
    const id = this.actors.create(wire, site, args, options);
    this.afterDeps(args, (error) => this.actors.depsReady(id, error));
    return id;
  }

  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef {
    const ref = this.store.createPending();
    if (this.broken !== undefined) {
      this.store.fail(ref.id, this.broken);
      return ref;
    }
    this.actors.enqueue(actorId, ref.id, method, args);
    if (this.store.isPending(ref.id))
      this.afterDeps(args, (error) => this.actors.callDepsReady(actorId, ref.id, error));
    return ref;
  }

  /** This driver's actor of that name, else another driver's (as the head lists them). */
  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    const own = this.actors.named(name);
    if (own !== undefined) return own;
    const entry = this.names.get(name);
    if (entry === undefined || entry.driverId === this.link.id) return undefined;
    const actorId = this.actors.adopt(entry);
    return this.actors.siteOf(actorId);
  }

  killActor(actorId: number, noRestart: boolean): void {
    this.actors.kill(actorId, noRestart);
  }

  put(value: EncodedValue): ObjectRef {
    return this.store.putReady(value);
  }

  cancel(id: number, force: boolean): void {
    if (!this.store.isPending(id)) return;
    const task = this.tasks.get(id);
    if (task !== undefined) {
      this.tasks.delete(id);
      if (task.nodeId !== undefined) {
        this.placement.release(task.nodeId, task.options.resources);
        this.link.toNode(task.nodeId, packJobMessage({ t: 'cancel', id, force }));
      }
      for (const dep of task.args.deps) this.store.unpin(dep);
    }
    const message = `task or call ${id} was cancelled`;
    this.store.fail(id, { kind: 'task-cancelled', name: 'TaskCancelledError', message, stack: message });
  }

  async shutdown(): Promise<void> {
    await this.link.leave();
    const error = lostPayload('the runtime shut down before the object was produced');
    this.store.failAllPending(error);
    this.store.close();
  }

  stats(): BackendStats {
    return { mode: 'cluster', workerPids: [], numPendingTasks: this.tasks.size + this.actors.numPending };
  }

  /** The live nodes this driver places work on. */
  liveNodes(): string[] {
    return this.placement.nodeIds();
  }
}

function encodedOf(v: { data: Uint8Array; frames: readonly Uint8Array[] }): EncodedValue {
  let sizeBytes = v.data.byteLength;
  for (const f of v.frames) sizeBytes += f.byteLength;
  return { data: v.data, frames: v.frames, deps: [], refs: [], sizeBytes };
}
