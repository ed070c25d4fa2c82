/**
 * Local mode: tasks and actors run in the caller's process, with the same semantics as the node
 * (values go through the same encoding, errors become RemoteError, calls on an actor start in order,
 * `retryExceptions` and `maxRestarts` on `kill(handle, { noRestart: false })` apply). Resources are
 * checked for feasibility only; nothing runs in parallel except async code.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from './backend.js';
import { decodeValue, type EncodedValue, encodeValue } from './codec.js';
import { loadDefinition } from './definition.js';
import { cancelledPayload, type ErrorPayload, timeoutPayload, toErrorPayload } from './errors.js';
import type { ObjectRef } from './object-ref.js';
import { ObjectStore } from './object-store.js';
import { type ResolvedActorOptions, type ResolvedTaskOptions, shouldRetryException } from './options.js';
import { ResourcePool } from './resources.js';
import type { ResolvedInitOptions } from './runtime.js';

/** How long a task waits for the check of its definition's module (see `checkSite`). */
const CHECK_WAIT_MS = 2000;

/** The URL of the script node was started with (the main module). */
function mainModuleUrl(): string | undefined {
  const script = process.argv[1];
  return script === undefined ? undefined : pathToFileURL(resolvePath(script)).href;
}

interface LocalCall {
  readonly method: string;
  readonly args: EncodedValue;
  readonly ref: ObjectRef;
}

interface LocalActor {
  readonly id: number;
  readonly site: DefinitionSite;
  readonly cls: ActorClass;
  readonly args: EncodedValue;
  readonly options: ResolvedActorOptions;
  instance: Promise<object>;
  generation: number;
  restartsLeft: number;
  dead: ErrorPayload | undefined;
  readonly queue: LocalCall[];
  running: number;
  pumping: boolean;
  slotFree: (() => void) | undefined;
}

/** See the module comment. */
export class LocalBackend implements Backend {
  readonly store: ObjectStore;
  private readonly pool: ResourcePool;
  private readonly actors = new Map<number, LocalActor>();
  private readonly names = new Map<string, number>();
  private nextActorId = 1;
  private pendingTasks = 0;
  private readonly checkedSites = new Map<string, Promise<void>>();
  /** Results of actor calls not settled yet (cancel refuses `force` for them). */
  private readonly actorCalls = new Set<number>();

  constructor(options: ResolvedInitOptions) {
    this.store = new ObjectStore(options.objectStoreMemoryBytes, options.spillDirectory);
    this.pool = new ResourcePool(options.resources);
  }

  /** Resolves the argument refs (pinned meanwhile) and decodes the arguments. */
  private async resolveArgs(args: EncodedValue): Promise<unknown[]> {
    for (const id of args.deps) this.store.pin(id);
    try {
      await Promise.all(args.deps.map((id) => new Promise<void>((r) => this.store.onSettled(id, r))));
      const deps = args.deps.map((id) => {
        const state = this.store.state(id);
        if (state === undefined) throw new Error(`argument ObjectRef(${id}) was freed`);
        if (state.kind === 'failed') throw new DependencyFailed(state.error);
        if (state.kind === 'pending') throw new Error(`argument ObjectRef(${id}) is still pending`);
        // Copies: a task must not change the stored object for later readers.
        return decodeValue(state.value.data, state.value.frames, undefined, true);
      });
      return decodeValue(args.data, args.frames, deps) as unknown[];
    } finally {
      for (const id of args.deps) this.store.unpin(id);
    }
  }

  private settle(ref: ObjectRef, value: unknown): void {
    try {
      this.store.resolve(ref.id, encodeValue(value, { copyFrames: true, refs: 'keep' }));
    } catch (error) {
      this.store.fail(ref.id, toErrorPayload(error));
    }
  }

  /**
   * Checks once per definition that workers would find it (the module exports it under that name),
   * so a missing export fails in local mode too, not only across processes. A module that is still
   * evaluating (the main module awaiting `get` at top level) cannot be imported until it finishes, so
   * a task of the main module, or one whose check has not settled within {@link CHECK_WAIT_MS}, runs
   * without waiting; the check completes in the background (a failure then fails later tasks).
   */
  private checkSite(site: DefinitionSite, kind: 'function' | 'class'): Promise<void> {
    const key = `${kind} ${site.moduleUrl}#${site.exportName}`;
    let checked = this.checkedSites.get(key);
    if (checked === undefined) {
      const full = loadDefinition(site, kind).then(() => undefined);
      const waitMs = site.moduleUrl === mainModuleUrl() ? 0 : CHECK_WAIT_MS;
      let timer: NodeJS.Timeout | undefined;
      const notYet = new Promise<'not-yet'>((resolve) => {
        timer = setTimeout(() => resolve('not-yet'), waitMs);
      });
      checked = Promise.race([full, notYet]).then((r) => {
        clearTimeout(timer);
        if (r === 'not-yet') {
          full.then(
            () => undefined,
            () => this.checkedSites.set(key, full),
          );
        }
      });
      this.checkedSites.set(key, checked);
    }
    return checked;
  }

  submitTask(
    site: DefinitionSite,
    fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef {
    const ref = this.store.createPending();
    const infeasible = this.pool.infeasible(options.resources);
    if (infeasible !== undefined) {
      this.store.fail(ref.id, toErrorPayload(new Error(`task ${site.exportName} ${infeasible}`), 'runtime'));
      return ref;
    }
    this.pendingTasks++;
    void this.runTask(site, fn, args, options, ref).finally(() => this.pendingTasks--);
    return ref;
  }

  private async runTask(
    site: DefinitionSite,
    fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
    ref: ObjectRef,
  ) {
    let decoded: unknown[];
    try {
      await this.checkSite(site, 'function');
      decoded = await this.resolveArgs(args);
    } catch (error) {
      this.store.fail(ref.id, error instanceof DependencyFailed ? error.payload : toErrorPayload(error));
      return;
    }
    if (!this.store.isPending(ref.id)) return; // cancelled while waiting
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      // Nothing can stop a function in this process: the ref fails and the late result is dropped.
      setTimeout(() => this.store.fail(ref.id, timeoutPayload(site, ms)), ms).unref();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const value: unknown = await (fn as (...a: unknown[]) => unknown)(...decoded);
        this.settle(ref, value);
        return;
      } catch (error) {
        const payload = toErrorPayload(error);
        if (attempt < options.maxRetries && shouldRetryException(options.retryExceptions, payload.name))
          continue;
        this.store.fail(ref.id, payload);
        return;
      }
    }
  }

  /** Local mode cannot interrupt code: the ref fails now, a queued call never runs, a late result is dropped. */
  cancel(id: number, force: boolean): void {
    if (!this.store.isPending(id)) return;
    if (force && this.actorCalls.has(id)) {
      throw new TypeError('cancel: force is for tasks; end an actor with kill(handle)');
    }
    this.store.fail(id, cancelledPayload(`ObjectRef(${id})`));
  }

  put(value: EncodedValue): ObjectRef {
    return this.store.putReady(value);
  }

  createActor(
    site: DefinitionSite,
    cls: ActorClass,
    args: EncodedValue,
    options: ResolvedActorOptions,
  ): number {
    if (options.name !== undefined && this.names.has(options.name)) {
      throw new Error(
        `remoteClass ${site.exportName}: an actor named '${options.name}' is alive; pick another name`,
      );
    }
    const infeasible = this.pool.infeasible(options.resources);
    if (infeasible !== undefined) throw new Error(`actor ${site.exportName} ${infeasible}`);
    const id = this.nextActorId++;
    const actor: LocalActor = {
      id,
      site,
      cls,
      args,
      options,
      instance: Promise.resolve({}),
      generation: 0,
      restartsLeft: options.maxRestarts,
      dead: undefined,
      queue: [],
      running: 0,
      pumping: false,
      slotFree: undefined,
    };
    for (const dep of args.deps) this.store.pin(dep);
    actor.instance = this.construct(actor);
    this.actors.set(id, actor);
    if (options.name !== undefined) this.names.set(options.name, id);
    return id;
  }

  private async construct(actor: LocalActor): Promise<object> {
    await this.checkSite(actor.site, 'class');
    const args = await this.resolveArgs(actor.args);
    return new (actor.cls as unknown as new (...a: unknown[]) => object)(...args);
  }

  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef {
    const ref = this.store.createPending();
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.dead !== undefined) {
      this.store.fail(ref.id, actor?.dead ?? diedPayload(`actor #${actorId} does not exist`));
      return ref;
    }
    actor.queue.push({ method, args, ref });
    this.actorCalls.add(ref.id);
    this.store.onSettled(ref.id, () => this.actorCalls.delete(ref.id));
    void this.pump(actor);
    return ref;
  }

  private async pump(actor: LocalActor): Promise<void> {
    if (actor.pumping) return;
    actor.pumping = true;
    try {
      while (actor.queue.length > 0 && actor.dead === undefined) {
        const call = actor.queue[0] as LocalCall;
        const generation = actor.generation;
        let instance: object;
        try {
          instance = await actor.instance;
        } catch (error) {
          const p = toErrorPayload(error);
          this.markDead(
            actor,
            diedPayload(
              `actor ${actor.site.exportName}#${actor.id} constructor threw ${p.name}: ${p.message}\n${p.stack}`,
            ),
          );
          return;
        }
        if (generation !== actor.generation) continue;
        while (actor.running >= actor.options.maxConcurrency)
          await new Promise<void>((r) => (actor.slotFree = r));
        if (actor.queue[0] !== call) continue;
        actor.queue.shift();
        actor.running++;
        void this.runCall(actor, instance, call).finally(() => {
          actor.running--;
          const free = actor.slotFree;
          actor.slotFree = undefined;
          free?.();
        });
      }
    } finally {
      actor.pumping = false;
    }
  }

  private async runCall(actor: LocalActor, instance: object, call: LocalCall): Promise<void> {
    const generation = actor.generation;
    if (!this.store.isPending(call.ref.id)) return; // cancelled before it started
    try {
      const fn = (instance as Record<string, unknown>)[call.method];
      if (typeof fn !== 'function') {
        throw new TypeError(`actor ${actor.site.exportName} has no method '${call.method}'`);
      }
      const args = await this.resolveArgs(call.args);
      const value: unknown = await (fn as (...a: unknown[]) => unknown).apply(instance, args);
      if (generation !== actor.generation || actor.dead !== undefined) {
        this.store.fail(
          call.ref.id,
          actor.dead ??
            diedPayload(`actor ${actor.site.exportName}#${actor.id} was restarted during the call`),
        );
      } else this.settle(call.ref, value);
    } catch (error) {
      this.store.fail(call.ref.id, error instanceof DependencyFailed ? error.payload : toErrorPayload(error));
    }
  }

  private markDead(actor: LocalActor, payload: ErrorPayload): void {
    actor.dead = payload;
    actor.generation++;
    for (const call of actor.queue.splice(0)) this.store.fail(call.ref.id, payload);
    if (actor.options.name !== undefined && this.names.get(actor.options.name) === actor.id) {
      this.names.delete(actor.options.name);
    }
    for (const dep of actor.args.deps) this.store.unpin(dep);
  }

  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    const id = this.names.get(name);
    const actor = id === undefined ? undefined : this.actors.get(id);
    return actor === undefined ? undefined : { actorId: actor.id, site: actor.site };
  }

  killActor(actorId: number, noRestart: boolean): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.dead !== undefined) return;
    if (!noRestart && actor.restartsLeft > 0) {
      actor.restartsLeft--;
      actor.generation++;
      actor.instance = this.construct(actor);
      void this.pump(actor);
      return;
    }
    this.markDead(actor, diedPayload(`actor ${actor.site.exportName}#${actor.id} was killed`));
  }

  async shutdown(): Promise<void> {
    for (const actor of this.actors.values()) {
      if (actor.dead === undefined) this.markDead(actor, diedPayload('the runtime shut down'));
    }
    this.store.failAllPending({
      kind: 'object-lost',
      name: 'ObjectLostError',
      message: 'the runtime shut down',
      stack: 'ObjectLostError: the runtime shut down',
    });
    this.store.close();
  }

  stats(): BackendStats {
    return { mode: 'local', workerPids: [], numPendingTasks: this.pendingTasks };
  }
}

class DependencyFailed extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}

function diedPayload(message: string): ErrorPayload {
  return { kind: 'actor-died', name: 'ActorDiedError', message, stack: `ActorDiedError: ${message}` };
}
