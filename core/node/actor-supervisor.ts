/**
 * The actors of a node: each runs in its own worker process, started once its resources are free.
 * Calls are sent in submission order (a call waits for its argument refs, and later calls wait
 * behind it); the worker starts them in arrival order. When the worker dies, the actor restarts
 * (constructor re-run in a new worker) while `maxRestarts` allows; calls in flight are retried there
 * while `maxTaskRetries` allows, else they fail with ActorDiedError.
 *
 * Workers call actors directly (direct-calls.ts): the supervisor tells each worker that located an
 * actor where it is (`route`: its worker's own socket once the constructor returned), when it
 * restarts and when it dies; the caller then retries or fails its calls in flight itself.
 */
import type { DefinitionSite } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import { cancelledPayload, type ErrorPayload } from '../errors.js';
import type { ObjectRef } from '../object-ref.js';
import type { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions } from '../options.js';
import type { Grant, ResourcePool } from '../resources.js';
import { removeShared } from '../shared-objects.js';
import { makerOf, type Reply, toEncoded, type WireSite } from './protocol.js';
import { failedDep, readyValue } from './store-helpers.js';
import type { WorkerPool, WorkerProcess } from './worker-pool.js';

const NO_DEPS: readonly EncodedValue[] = [];

interface CallRecord {
  readonly id: number;
  readonly method: string;
  readonly args: EncodedValue;
  retriesLeft: number;
}

/** One actor's state. */
export interface ActorRecord {
  readonly id: number;
  readonly site: DefinitionSite;
  readonly args: EncodedValue;
  readonly options: ResolvedActorOptions;
  restartsLeft: number;
  state: 'waiting-resources' | 'starting' | 'alive' | 'dead';
  worker: WorkerProcess | undefined;
  grant: Grant | undefined;
  constructSent: boolean;
  readonly queue: CallRecord[];
  readonly inflight: Map<number, CallRecord>;
  died: ErrorPayload | undefined;
  flushWaiting: boolean;
  /** The actor worker's own socket for direct calls, while alive. */
  addr: string | undefined;
  /** Workers that call this actor directly: told of every change of `addr`. */
  readonly callers: Set<WorkerProcess>;
}

function died(message: string): ErrorPayload {
  return { kind: 'actor-died', name: 'ActorDiedError', message, stack: `ActorDiedError: ${message}` };
}

/** See the module comment. */
export class ActorSupervisor {
  private readonly actors = new Map<number, ActorRecord>();
  private readonly byWorker = new Map<number, ActorRecord>();
  private readonly names = new Map<string, ActorRecord>();
  private waiting: ActorRecord[] = [];
  /** Callers that located an actor a live worker made before its `create` arrived. */
  private readonly unborn = new Map<number, Set<WorkerProcess>>();
  private nextId = 1;
  /** Bumped whenever the table of named actors changes (the node then tells every worker). */
  namesVersion = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly resources: ResourcePool,
    private readonly pool: WorkerPool,
    private readonly reschedule: () => void,
    /** Hands over a started, idle task worker (not for GPU actors: their env is set at spawn). */
    private readonly takeIdleWorker: () => WorkerProcess | undefined,
  ) {}

  /**
   * Registers an actor; it starts when its resources are free. `id`: the id a worker chose for an
   * actor it creates. @throws Error on a taken name or infeasible resources
   */
  create(site: DefinitionSite, args: EncodedValue, options: ResolvedActorOptions, id?: number): number {
    if (options.name !== undefined && this.names.has(options.name)) {
      throw new Error(
        `remoteClass ${site.exportName}: an actor named '${options.name}' is alive; pick another name`,
      );
    }
    const infeasible = this.resources.infeasible(options.resources);
    if (infeasible !== undefined) throw new Error(`actor ${site.exportName} ${infeasible}`);
    const actor: ActorRecord = {
      id: id ?? this.nextId++,
      site,
      args,
      options,
      restartsLeft: options.maxRestarts,
      state: 'waiting-resources',
      worker: undefined,
      grant: undefined,
      constructSent: false,
      queue: [],
      inflight: new Map(),
      died: undefined,
      flushWaiting: false,
      addr: undefined,
      callers: new Set(),
    };
    for (const dep of args.deps) this.store.pinReader(dep);
    this.register(actor);
    if (options.name !== undefined) {
      this.names.set(options.name, actor);
      this.namesVersion++;
    }
    this.waiting.push(actor);
    this.reschedule();
    return actor.id;
  }

  /** Starts the workers of actors whose resources are now free, in creation order. */
  placePending(): void {
    const still: ActorRecord[] = [];
    for (const actor of this.waiting) {
      if (actor.state === 'dead') continue;
      const grant = this.resources.acquire(actor.options.resources);
      if (grant === undefined) still.push(actor);
      else {
        actor.grant = grant;
        this.startWorker(actor);
      }
    }
    this.waiting = still;
  }

  private startWorker(actor: ActorRecord): void {
    const ids = actor.grant?.gpuIds ?? [];
    const env: Record<string, string> =
      ids.length > 0 ? { CUDA_VISIBLE_DEVICES: ids.join(','), TSRL_GPU_IDS: ids.join(',') } : {};
    const idle = ids.length === 0 ? this.takeIdleWorker() : undefined;
    const worker = idle ?? this.pool.spawn(env);
    actor.worker = worker;
    actor.state = 'starting';
    actor.constructSent = false;
    this.byWorker.set(worker.id, actor);
    if (idle !== undefined) this.onReady(idle);
  }

  /** A worker said `ready`: send the constructor once its argument refs are settled, then the calls. */
  onReady(worker: WorkerProcess): void {
    const actor = this.byWorker.get(worker.id);
    if (actor === undefined || actor.worker !== worker) return;
    this.whenSettled(actor.args.deps, () => {
      if (actor.worker !== worker || actor.state === 'dead') return;
      const failed = failedDep(this.store, actor.args.deps);
      if (failed !== undefined) {
        this.markDead(
          actor,
          died(`actor ${actor.site.exportName}: a constructor argument failed: ${failed.message}`),
        );
        return;
      }
      const deps = actor.args.deps.map((id) => readyValue(this.store, id));
      const site: WireSite = [actor.site.moduleUrl, actor.site.exportName];
      this.pool.send(worker, (v) => ({
        t: 'actor',
        id: -actor.id,
        site,
        args: v(actor.args),
        deps: deps.map(v),
        maxConcurrency: actor.options.maxConcurrency,
      }));
      actor.constructSent = true;
      this.flush(actor);
    });
  }

  private whenSettled(deps: readonly number[], then: () => void): void {
    const pending = deps.find((d) => this.store.state(d)?.kind === 'pending');
    if (pending === undefined) then();
    else this.store.onSettled(pending, () => this.whenSettled(deps, then));
  }

  /** Submits a call; its ref fails with ActorDiedError when the actor is dead. */
  call(actorId: number, method: string, args: EncodedValue): ObjectRef {
    const ref = this.store.createPending();
    this.callWithId(actorId, method, args, ref.id);
    return ref;
  }

  /** Submits a call whose result object `id` already exists (pending) in the store. */
  private callWithId(actorId: number, method: string, args: EncodedValue, id: number): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === 'dead') {
      this.store.fail(id, actor?.died ?? died(`actor #${actorId} does not exist`));
      return;
    }
    for (const dep of args.deps) this.store.pinReader(dep);
    actor.queue.push({ id, method, args, retriesLeft: actor.options.maxTaskRetries });
    this.flush(actor);
  }

  /**
   * Cancels an actor call: a queued one is dropped; one sent to the worker has its ref failed now and
   * is dropped there if it has not started. Returns false when `id` is no call of a live actor.
   * @throws TypeError with `force` (an actor ends with kill(handle))
   */
  cancel(id: number, force: boolean): boolean {
    for (const actor of this.actors.values()) {
      const queued = actor.queue.findIndex((c) => c.id === id);
      const inflight = actor.inflight.get(id);
      if (queued < 0 && inflight === undefined) continue;
      if (force) throw new TypeError('cancel: force is for tasks; end an actor with kill(handle)');
      const what = `call ${actor.site.exportName}.${(inflight ?? actor.queue[queued])?.method}`;
      if (queued >= 0) {
        const [call] = actor.queue.splice(queued, 1) as [CallRecord];
        this.settle(call, undefined, cancelledPayload(what));
      } else if (inflight !== undefined) {
        this.store.fail(id, cancelledPayload(what));
        if (actor.worker !== undefined) this.pool.send(actor.worker, () => ({ t: 'cancel', id }));
      }
      return true;
    }
    return false;
  }

  /** Registers an actor a worker asked for that could not be created: its calls fail with `message`. */
  createDead(
    id: number,
    site: DefinitionSite,
    args: EncodedValue,
    options: ResolvedActorOptions,
    message: string,
  ): void {
    const actor: ActorRecord = {
      id,
      site,
      args,
      options: { ...options, name: undefined },
      restartsLeft: 0,
      state: 'dead',
      worker: undefined,
      grant: undefined,
      constructSent: false,
      queue: [],
      inflight: new Map(),
      died: died(message),
      flushWaiting: false,
      addr: undefined,
      callers: new Set(),
    };
    removeShared(args);
    this.register(actor);
  }

  private register(actor: ActorRecord): void {
    this.actors.set(actor.id, actor);
    const callers = this.unborn.get(actor.id);
    if (callers === undefined) return;
    this.unborn.delete(actor.id);
    for (const caller of callers) this.locate(caller, actor.id, false);
  }

  /** A worker exited: the actors it was to create never will be. */
  makerExited(workerId: number): void {
    for (const [aid, callers] of this.unborn) {
      if (makerOf(aid) !== workerId) continue;
      this.unborn.delete(aid);
      for (const caller of callers) this.locate(caller, aid, false);
    }
  }

  /** The named actors now alive: [name, actorId, moduleUrl, exportName]. */
  namesTable(): Array<[string, number, string, string]> {
    return [...this.names].map(([name, a]) => [name, a.id, a.site.moduleUrl, a.site.exportName]);
  }

  /** Every live actor's worker (to tell them the named actors). */
  workers(): WorkerProcess[] {
    return [...this.byWorker.values()].flatMap((a) => (a.worker === undefined ? [] : [a.worker]));
  }

  private flush(actor: ActorRecord): void {
    const worker = actor.worker;
    if (!actor.constructSent || worker === undefined || actor.state === 'dead' || actor.flushWaiting) return;
    while (actor.queue.length > 0) {
      const call = actor.queue[0] as CallRecord;
      const pending =
        call.args.deps.length === 0
          ? undefined
          : call.args.deps.find((d) => this.store.state(d)?.kind === 'pending');
      if (pending !== undefined) {
        actor.flushWaiting = true;
        this.store.onSettled(pending, () => {
          actor.flushWaiting = false;
          this.flush(actor);
        });
        return;
      }
      actor.queue.shift();
      const failed = failedDep(this.store, call.args.deps);
      if (failed !== undefined) {
        this.settle(call, undefined, failed);
        continue;
      }
      actor.inflight.set(call.id, call);
      const deps =
        call.args.deps.length === 0 ? NO_DEPS : call.args.deps.map((id) => readyValue(this.store, id));
      this.pool.send(worker, (v) => ({
        t: 'call',
        id: call.id,
        method: call.method,
        args: v(call.args),
        deps: deps.map(v),
      }));
    }
  }

  private settle(call: CallRecord, value: EncodedValue | undefined, error: ErrorPayload | undefined): void {
    if (value !== undefined) this.store.resolve(call.id, value);
    else if (error !== undefined) this.store.fail(call.id, error);
    for (const dep of call.args.deps) this.store.unpinReader(dep);
    removeShared(call.args);
  }

  /** A reply from an actor worker. */
  onMessage(worker: WorkerProcess, m: Reply, frames: readonly Uint8Array[]): void {
    const actor = this.byWorker.get(worker.id);
    if (actor === undefined || actor.worker !== worker) return;
    if (m.id === -actor.id) {
      if (m.t === 'ok') {
        actor.state = 'alive';
        actor.addr = m.addr;
        for (const caller of actor.callers) this.sendRoute(caller, actor);
      } else {
        const e = m.error;
        this.markDead(
          actor,
          died(
            `actor ${actor.site.exportName}#${actor.id} constructor threw ${e.name}: ${e.message}\n${e.stack}`,
          ),
        );
      }
      return;
    }
    const call = actor.inflight.get(m.id);
    if (call === undefined) {
      if (m.t === 'ok') removeShared(toEncoded(m.value, frames));
      return;
    }
    actor.inflight.delete(m.id);
    if (m.t === 'ok') this.settle(call, toEncoded(m.value, frames), undefined);
    else this.settle(call, undefined, m.error);
  }

  /** An actor worker exited: restart or die. */
  onExit(worker: WorkerProcess, description: string): void {
    const actor = this.byWorker.get(worker.id);
    this.byWorker.delete(worker.id);
    if (actor === undefined || actor.worker !== worker || actor.state === 'dead') return;
    this.restartOrDie(actor, description);
  }

  private restartOrDie(actor: ActorRecord, description: string): void {
    actor.worker = undefined;
    actor.addr = undefined;
    const inflight = [...actor.inflight.values()];
    actor.inflight.clear();
    if (actor.restartsLeft > 0) {
      actor.restartsLeft--;
      const retry: CallRecord[] = [];
      for (const call of inflight) {
        if (call.retriesLeft > 0) {
          call.retriesLeft--;
          retry.push(call);
        } else {
          this.settle(
            call,
            undefined,
            died(this.diedMessage(actor, description, 'the call was in flight (maxTaskRetries exhausted)')),
          );
        }
      }
      actor.queue.unshift(...retry);
      for (const caller of actor.callers) this.sendRoute(caller, actor);
      this.startWorker(actor);
      return;
    }
    for (const call of inflight) actor.queue.unshift(call);
    this.markDead(
      actor,
      died(
        this.diedMessage(actor, description, `no restarts left (maxRestarts=${actor.options.maxRestarts})`),
      ),
    );
  }

  private diedMessage(actor: ActorRecord, description: string, why: string): string {
    return `actor ${actor.site.exportName}#${actor.id} died: its worker exited (${description}); ${why}`;
  }

  private markDead(actor: ActorRecord, payload: ErrorPayload): void {
    if (actor.state === 'dead') return;
    actor.state = 'dead';
    actor.died = payload;
    actor.addr = undefined;
    for (const caller of actor.callers) this.sendRoute(caller, actor);
    actor.callers.clear();
    for (const call of [...actor.inflight.values(), ...actor.queue.splice(0)])
      this.settle(call, undefined, payload);
    actor.inflight.clear();
    if (actor.options.name !== undefined && this.names.get(actor.options.name) === actor) {
      this.names.delete(actor.options.name);
      this.namesVersion++;
    }
    for (const dep of actor.args.deps) this.store.unpinReader(dep);
    removeShared(actor.args);
    if (actor.grant !== undefined) {
      this.resources.release(actor.grant);
      actor.grant = undefined;
      this.reschedule();
    }
    if (actor.worker !== undefined) this.pool.kill(actor.worker);
  }

  /** Kills an actor's worker; with `noRestart` the actor dies at once. */
  kill(actorId: number, noRestart: boolean): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === 'dead') return;
    if (noRestart || actor.restartsLeft === 0 || actor.worker === undefined) {
      this.markDead(actor, died(`actor ${actor.site.exportName}#${actor.id} was killed`));
    } else {
      // Restart at once so that calls made after kill() go to the new instance.
      const old = actor.worker;
      this.byWorker.delete(old.id);
      this.restartOrDie(actor, 'killed by kill() with noRestart: false');
      this.pool.kill(old);
    }
  }

  /**
   * A worker calls actor `aid` directly: tell it where the actor is now (when alive or dead; a
   * starting actor is announced once its constructor returned) and at every change. `makerAlive`: an
   * unknown id's maker is a live worker, whose `create` may still be on its way.
   */
  locate(worker: WorkerProcess, aid: number, makerAlive: boolean): void {
    const actor = this.actors.get(aid);
    if (actor === undefined && makerAlive) {
      const callers = this.unborn.get(aid) ?? new Set();
      callers.add(worker);
      this.unborn.set(aid, callers);
      return;
    }
    if (actor === undefined) {
      const error = died(`actor #${aid} does not exist`);
      this.pool.send(worker, () => ({ t: 'route', aid, error }));
      return;
    }
    if (actor.state !== 'dead') actor.callers.add(worker);
    if (actor.state === 'dead' || actor.addr !== undefined) this.sendRoute(worker, actor);
  }

  private sendRoute(worker: WorkerProcess, actor: ActorRecord): void {
    if (worker.exited) {
      actor.callers.delete(worker);
      return;
    }
    const aid = actor.id;
    if (actor.state === 'dead') {
      const error = actor.died ?? died(`actor #${aid} is dead`);
      this.pool.send(worker, () => ({ t: 'route', aid, error }));
    } else if (actor.addr !== undefined) {
      const addr = actor.addr;
      const retries = actor.options.maxTaskRetries;
      this.pool.send(worker, () => ({ t: 'route', aid, addr, retries }));
    } else this.pool.send(worker, () => ({ t: 'route', aid }));
  }

  /** The live actor named `name`. */
  named(name: string): ActorRecord | undefined {
    return this.names.get(name);
  }

  /** Marks every actor dead (at shutdown) without touching workers. */
  stop(): void {
    for (const actor of this.actors.values()) {
      actor.worker = undefined;
      if (actor.state !== 'dead') this.markDead(actor, died('the runtime shut down'));
    }
  }
}
