/**
 * A cluster driver's actors: each is placed on one node by its resources (placement.ts) and runs
 * there in the node's own actor supervisor (which restarts it after a worker crash). Calls start in
 * submission order: each waits in its actor's queue until its argument refs are settled and the
 * actor is placed, then goes to the actor's node.
 *
 * When the actor's node is lost, the actor starts again on another node (constructor re-run) while
 * `maxRestarts` allows; calls in flight go again while `maxTaskRetries` allows, else fail with
 * ActorDiedError naming the node. A node that comes back after a partition is told to stop the
 * instances it still holds (they were restarted elsewhere).
 */
import type { DefinitionSite } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ErrorPayload } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions } from '../options.js';
import type { JobToNode, WireArgs, WireSite } from './job-protocol.js';
import type { Placement } from './placement.js';
import type { NamedActorEntry } from './protocol.js';

interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: EncodedValue;
  retriesLeft: number;
  /** Its argument refs are settled (undefined error) or one failed. */
  ready: boolean;
  error: ErrorPayload | undefined;
}

interface Actor {
  readonly id: number;
  readonly wire: WireSite;
  readonly site: DefinitionSite;
  readonly args: EncodedValue;
  readonly options: ResolvedActorOptions;
  state: 'deps' | 'waiting' | 'alive' | 'dead';
  nodeId: string | undefined;
  restartsLeft: number;
  died: ErrorPayload | undefined;
  readonly queue: Call[];
  readonly inflight: Map<number, Call>;
  /** Another driver's named actor, reached by name: its owner places and restarts it. */
  readonly owner?: { readonly driverId: string; readonly actorId: number; readonly name: string };
}

/** What the actor table needs from its driver. */
export interface ClusterActorsDeps {
  readonly store: ObjectStore;
  readonly placement: Placement;
  readonly packageHash: string;
  send(nodeId: string, message: JobToNode): void;
  wireArgs(args: EncodedValue): WireArgs;
  /** True while nothing may be placed (the job is being uploaded to a restarted head). */
  paused(): boolean;
  /** Tells the head where a named actor of this driver runs now, or that it is gone (`nodeId` undefined). */
  announce(name: string, actorId: number, nodeId: string | undefined, exportName: string): void;
}

function diedPayload(message: string): ErrorPayload {
  return { kind: 'actor-died', name: 'ActorDiedError', message, stack: `ActorDiedError: ${message}` };
}

let nextActorId = 1;

/** See the module comment. */
export class ClusterActors {
  private readonly actors = new Map<number, Actor>();
  private readonly names = new Map<string, Actor>();
  /** Call id -> actor id, for calls in flight. */
  private readonly callActor = new Map<number, number>();
  /** Instances left on nodes that were lost (stopped when the node comes back). */
  private readonly zombies = new Map<string, number[]>();

  constructor(private readonly deps: ClusterActorsDeps) {}

  /** Registers an actor (placed once its argument refs are settled). @throws Error when the name is taken */
  create(wire: WireSite, site: DefinitionSite, args: EncodedValue, options: ResolvedActorOptions): number {
    if (options.name !== undefined) {
      const holder = this.names.get(options.name);
      if (holder !== undefined && holder.state !== 'dead') {
        throw new Error(`an actor named '${options.name}' already exists`);
      }
    }
    const actor: Actor = {
      id: nextActorId++,
      wire,
      site,
      args,
      options,
      state: 'deps',
      nodeId: undefined,
      restartsLeft: options.maxRestarts,
      died: undefined,
      queue: [],
      inflight: new Map(),
    };
    this.actors.set(actor.id, actor);
    if (options.name !== undefined) this.names.set(options.name, actor);
    return actor.id;
  }

  /** The constructor's argument refs are settled. */
  depsReady(actorId: number, error: ErrorPayload | undefined): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state !== 'deps') return;
    if (error !== undefined) {
      this.die(actor, diedPayload(`the constructor's argument failed: ${error.message}`));
      return;
    }
    actor.state = 'waiting';
    this.placeWaiting();
  }

  /** Places actors that wait for a node with room. */
  placeWaiting(): void {
    if (this.deps.paused()) return;
    for (const actor of this.actors.values()) {
      if (actor.state !== 'waiting' || actor.owner !== undefined) continue;
      const nodeId = this.deps.placement.pick(actor.options.resources, 'actor');
      if (nodeId === undefined) continue;
      actor.state = 'alive';
      actor.nodeId = nodeId;
      this.deps.placement.use(nodeId, actor.options.resources);
      this.deps.send(nodeId, {
        t: 'actor',
        actorId: actor.id,
        pkg: this.deps.packageHash,
        site: actor.wire,
        resources: actor.options.resources,
        maxRestarts: actor.options.maxRestarts,
        maxTaskRetries: actor.options.maxTaskRetries,
        maxConcurrency: actor.options.maxConcurrency,
        args: this.deps.wireArgs(actor.args),
      });
      if (actor.options.name !== undefined)
        this.deps.announce(actor.options.name, actor.id, nodeId, actor.wire.exportName);
      this.flush(actor);
    }
  }

  /** Queues a call (in submission order); `depsReady` releases it. */
  enqueue(actorId: number, id: number, method: string, args: EncodedValue): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined) {
      this.deps.store.fail(id, diedPayload(`no actor ${actorId} in this driver`));
      return;
    }
    if (actor.state === 'dead') {
      this.deps.store.fail(id, actor.died ?? diedPayload('the actor is dead'));
      return;
    }
    const call: Call = {
      id,
      method,
      args,
      retriesLeft: actor.options.maxTaskRetries,
      ready: false,
      error: undefined,
    };
    actor.queue.push(call);
  }

  /** A queued call's argument refs are settled. */
  callDepsReady(actorId: number, id: number, error: ErrorPayload | undefined): void {
    const actor = this.actors.get(actorId);
    const call = actor?.queue.find((c) => c.id === id);
    if (actor === undefined || call === undefined) return;
    call.ready = true;
    call.error = error;
    this.flush(actor);
  }

  private flush(actor: Actor): void {
    while (actor.queue.length > 0) {
      const call = actor.queue[0] as Call;
      if (!call.ready) return;
      if (call.error !== undefined) {
        actor.queue.shift();
        this.release(call);
        this.deps.store.fail(call.id, call.error);
        continue;
      }
      if (actor.state !== 'alive' || actor.nodeId === undefined) return;
      actor.queue.shift();
      actor.inflight.set(call.id, call);
      this.callActor.set(call.id, actor.id);
      this.deps.send(actor.nodeId, {
        t: 'call',
        id: call.id,
        actorId: actor.owner?.actorId ?? actor.id,
        method: call.method,
        args: this.deps.wireArgs(call.args),
        ...(actor.owner === undefined ? {} : { owner: actor.owner.driverId }),
      });
    }
  }

  private release(call: Call): void {
    for (const dep of call.args.deps) this.deps.store.unpin(dep);
  }

  /** A call's result arrived: true when it was one of ours. */
  takeResult(id: number): boolean {
    const actorId = this.callActor.get(id);
    if (actorId === undefined) return false;
    this.callActor.delete(id);
    const actor = this.actors.get(actorId);
    const call = actor?.inflight.get(id);
    if (call !== undefined) {
      actor?.inflight.delete(id);
      this.release(call);
    }
    return true;
  }

  /** The work on a lost node: actors restart elsewhere or die. */
  loseNode(nodeId: string, why: string, dead: boolean): void {
    for (const actor of this.actors.values()) {
      if (actor.nodeId !== nodeId || actor.state !== 'alive') continue;
      if (actor.owner !== undefined) {
        this.loseForeign(actor, why);
        continue;
      }
      this.deps.placement.release(nodeId, actor.options.resources);
      if (dead) this.zombies.set(nodeId, [...(this.zombies.get(nodeId) ?? []), actor.id]);
      else this.deps.send(nodeId, { t: 'kill', actorId: actor.id });
      this.restartOrDie(actor, why);
    }
  }

  private restartOrDie(actor: Actor, why: string): void {
    actor.nodeId = undefined;
    const canRestart = actor.restartsLeft > 0;
    const retry: Call[] = [];
    for (const call of actor.inflight.values()) {
      this.callActor.delete(call.id);
      if (canRestart && call.retriesLeft > 0) {
        call.retriesLeft--;
        retry.push(call);
      } else {
        this.release(call);
        this.deps.store.fail(call.id, diedPayload(`${why}; the call ${call.method} was in flight`));
      }
    }
    actor.inflight.clear();
    if (!canRestart) {
      this.die(actor, diedPayload(`${why}; actor ${actor.wire.exportName} has no restarts left`));
      return;
    }
    actor.restartsLeft--;
    actor.queue.unshift(...retry);
    actor.state = 'waiting';
  }

  /** Another driver's actor was on a lost node: calls in flight fail; later ones wait for its owner to restart it. */
  private loseForeign(actor: Actor, why: string): void {
    for (const call of actor.inflight.values()) {
      this.callActor.delete(call.id);
      this.release(call);
      this.deps.store.fail(call.id, diedPayload(`${why}; the call ${call.method} was in flight`));
    }
    actor.inflight.clear();
    actor.nodeId = undefined;
    actor.state = 'waiting';
  }

  /**
   * A handle on another driver's named actor (the head's entry): calls go to the node it runs on,
   * addressed to its owner's id. One record per name and instance.
   */
  adopt(entry: NamedActorEntry): number {
    for (const actor of this.actors.values()) {
      const o = actor.owner;
      if (
        o?.name === entry.name &&
        o.driverId === entry.driverId &&
        o.actorId === entry.actorId &&
        actor.state !== 'dead'
      )
        return actor.id;
    }
    const actor: Actor = {
      id: nextActorId++,
      wire: { root: 'tsrl', path: 'named-actor', exportName: entry.exportName },
      site: {
        moduleUrl: `tsrl-cluster:named-actor/${encodeURIComponent(entry.name)}`,
        exportName: entry.exportName,
      },
      args: { data: new Uint8Array(), frames: [], deps: [], refs: [], sizeBytes: 0 },
      options: { resources: {}, name: undefined, maxRestarts: 0, maxTaskRetries: 0, maxConcurrency: 1 },
      state: 'waiting',
      nodeId: undefined,
      restartsLeft: 0,
      died: undefined,
      queue: [],
      inflight: new Map(),
      owner: { driverId: entry.driverId, actorId: entry.actorId, name: entry.name },
    };
    this.actors.set(actor.id, actor);
    this.follow(actor, entry);
    return actor.id;
  }

  /** Follows other drivers' named actors in the head's table: moved (restarted by the owner) or gone. */
  refreshForeign(names: ReadonlyMap<string, NamedActorEntry>): void {
    for (const actor of this.actors.values()) {
      if (actor.owner !== undefined && actor.state !== 'dead')
        this.follow(actor, names.get(actor.owner.name));
    }
  }

  private follow(actor: Actor, entry: NamedActorEntry | undefined): void {
    const o = actor.owner;
    if (o === undefined) return;
    if (entry === undefined || entry.driverId !== o.driverId || entry.actorId !== o.actorId) {
      this.die(actor, diedPayload(`the actor named '${o.name}' is gone (its driver stopped it, or left)`));
      return;
    }
    if (!this.deps.placement.has(entry.nodeId)) return; // its node is lost: wait for the owner to move it
    if (actor.state === 'waiting') {
      actor.state = 'alive';
      actor.nodeId = entry.nodeId;
      this.flush(actor);
    } else actor.nodeId = entry.nodeId; // restarted elsewhere by its owner: later calls go there
  }

  private die(actor: Actor, error: ErrorPayload): void {
    if (
      actor.owner === undefined &&
      actor.options.name !== undefined &&
      this.names.get(actor.options.name) === actor
    )
      this.deps.announce(actor.options.name, actor.id, undefined, actor.wire.exportName);
    if (actor.nodeId !== undefined) this.deps.placement.release(actor.nodeId, actor.options.resources);
    actor.state = 'dead';
    actor.nodeId = undefined;
    actor.died = error;
    for (const call of [...actor.queue, ...actor.inflight.values()]) {
      this.callActor.delete(call.id);
      this.release(call);
      this.deps.store.fail(call.id, error);
    }
    actor.queue.length = 0;
    actor.inflight.clear();
  }

  /** A node could not create the actor (its module was refused, or it failed to load). */
  failed(actorId: number, error: ErrorPayload): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === 'dead') return;
    this.die(actor, { ...error, kind: 'actor-died', name: 'ActorDiedError' });
  }

  /** A lost node is back: stop the instances it still holds. */
  nodeBack(nodeId: string): void {
    const ids = this.zombies.get(nodeId);
    this.zombies.delete(nodeId);
    for (const actorId of ids ?? []) this.deps.send(nodeId, { t: 'kill', actorId });
  }

  /** `kill(handle)`: stops the actor; with `noRestart: false` it starts again while restarts are left. */
  kill(actorId: number, noRestart: boolean): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === 'dead') return;
    if (actor.owner !== undefined) {
      // Only its owner stops another driver's actor; this driver's handle on it ends.
      this.die(
        actor,
        diedPayload(`this driver's handle on the actor named '${actor.owner.name}' was killed by kill()`),
      );
      return;
    }
    const nodeId = actor.nodeId;
    if (nodeId !== undefined) {
      this.deps.send(nodeId, { t: 'kill', actorId });
      this.deps.placement.release(nodeId, actor.options.resources);
    }
    if (noRestart) this.die(actor, diedPayload(`actor ${actor.wire.exportName} was killed by kill()`));
    else {
      this.restartOrDie(actor, `actor ${actor.wire.exportName} was killed by kill()`);
      this.placeWaiting();
    }
  }

  /** The id and site of an actor record (for a handle). */
  siteOf(actorId: number): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    const actor = this.actors.get(actorId);
    return actor === undefined ? undefined : { actorId, site: actor.site };
  }

  named(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    const actor = this.names.get(name);
    return actor === undefined || actor.state === 'dead'
      ? undefined
      : { actorId: actor.id, site: actor.site };
  }

  /** Fails every call (the head is lost). */
  failAll(error: ErrorPayload): void {
    for (const actor of this.actors.values()) if (actor.state !== 'dead') this.die(actor, error);
  }

  /** Calls queued or in flight. */
  get numPending(): number {
    let n = 0;
    for (const actor of this.actors.values()) n += actor.queue.length + actor.inflight.size;
    return n;
  }
}
