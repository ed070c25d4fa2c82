/**
 * A worker's direct actor calls (Ray's direct actor transport): a task or actor method that calls an
 * actor sends the call straight to the actor worker's own socket and gets the result straight back,
 * so calls between workers never pass the node's thread. The caller owns the result: it lives in
 * this worker's store until it escapes (worker-client.ts hands it to the node then).
 *
 * Per actor: the node says where the actor is (`route` after `locate`: alive at an address,
 * restarting, dead). Calls wait here until the actor is alive and their argument refs are ready,
 * then leave in the order they were made, through one socket per actor incarnation, so one caller's
 * calls start in order. When the actor restarts, the calls in flight are sent again to the new
 * instance while its `maxTaskRetries` allows (else they fail with ActorDiedError), ahead of the calls
 * not sent yet; when it dies, every call fails with the actor's error.
 */
import { Dealer } from 'zeromq';
import type { EncodedValue } from '../codec.js';
import { cancelledPayload, type ErrorPayload } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ObjectRef } from '../object-ref.js';
import type { ObjectStore } from '../object-store.js';
import { removeShared } from '../shared-objects.js';
import { BatchSender } from './batch-sender.js';
import { parseFromWorker, type Reply, type ToWorker, toEncoded } from './protocol.js';
import { failedDep, readyValue } from './store-helpers.js';

const log = createLogger('core.worker');
const NO_DEPS: readonly EncodedValue[] = [];

interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: EncodedValue;
  /** Times it was sent again after a restart. */
  retried: number;
}

interface Route {
  readonly aid: number;
  state: 'locating' | 'alive' | 'restarting' | 'dead';
  /** The sender's peer key of the current incarnation's socket. */
  peer: string | undefined;
  /** The actor's maxTaskRetries. */
  retries: number;
  /** Calls not sent yet, in the order they were made. */
  readonly queue: Call[];
  readonly inflight: Map<number, Call>;
  died: ErrorPayload | undefined;
  /** The head of the queue waits for an argument. */
  waiting: boolean;
}

/** What direct calls need from their worker's client of the node. */
export interface DirectCallsHost {
  readonly store: ObjectStore;
  /** Asks the node where an actor is. */
  locate(aid: number): void;
  /** Asks the node for the values of argument refs this worker does not own (without blocking). */
  request(ids: readonly number[]): void;
}

function restartFailure(aid: number, retries: number): ErrorPayload {
  const message =
    `actor #${aid} died while the call was in flight: its worker exited and the actor restarted ` +
    `(maxTaskRetries=${retries} exhausted)`;
  return { kind: 'actor-died', name: 'ActorDiedError', message, stack: `ActorDiedError: ${message}` };
}

/** See the module comment. */
export class DirectCalls {
  private readonly routes = new Map<number, Route>();
  private readonly sockets = new Map<string, Dealer>();
  /** Calls not settled yet, by result id. */
  private readonly calls = new Map<number, Route>();
  /** Results made here that the node does not know (their refs never left this worker). */
  private readonly owned = new Set<number>();
  private readonly sender: BatchSender<ToWorker>;
  private incarnation = 0;

  /** @param identity this worker's name on the actors' sockets */
  constructor(
    private readonly host: DirectCallsHost,
    private readonly identity: string,
  ) {
    this.sender = new BatchSender<ToWorker>((peer, frames) => {
      const socket = peer === undefined ? undefined : this.sockets.get(peer);
      return socket === undefined ? Promise.resolve() : socket.send(frames);
    });
  }

  /** Calls `method` of actor `aid`; the result is this worker's. */
  call(aid: number, method: string, args: EncodedValue): ObjectRef {
    const store = this.host.store;
    const ref = store.createPending();
    let route = this.routes.get(aid);
    if (route === undefined) {
      route = {
        aid,
        state: 'locating',
        peer: undefined,
        retries: 0,
        queue: [],
        inflight: new Map(),
        died: undefined,
        waiting: false,
      };
      this.routes.set(aid, route);
      this.host.locate(aid);
    }
    this.owned.add(ref.id);
    if (route.state === 'dead') {
      store.fail(ref.id, route.died as ErrorPayload);
      removeShared(args);
      return ref;
    }
    for (const dep of args.deps) store.pin(dep);
    route.queue.push({ id: ref.id, method, args, retried: 0 });
    this.calls.set(ref.id, route);
    this.flush(route);
    return ref;
  }

  /** True for a result of a direct call made here that the node does not know. */
  owns(id: number): boolean {
    return this.owned.has(id);
  }

  /** The node knows `id` from now on (handed over, or relayed by the actor); false if it did already. */
  disown(id: number): boolean {
    return this.owned.delete(id);
  }

  /**
   * The node sent the result of call `id` (the actor relayed it: it holds refs or a shared file).
   * Returns false when `id` is no unsettled call of this worker.
   */
  relayed(id: number): boolean {
    const route = this.calls.get(id);
    if (route === undefined) return false;
    const call = route.inflight.get(id);
    if (call === undefined) return false;
    route.inflight.delete(id);
    this.owned.delete(id);
    this.finish(call);
    return true;
  }

  /** Cancels an unsettled call (see Backend.cancel); false when `id` is none of this worker's calls. */
  cancel(id: number): boolean {
    const route = this.calls.get(id);
    if (route === undefined) return false;
    const queued = route.queue.findIndex((c) => c.id === id);
    const what = `call of actor #${route.aid}`;
    if (queued >= 0) {
      const [call] = route.queue.splice(queued, 1) as [Call];
      this.settle(call, undefined, cancelledPayload(what));
      this.flush(route);
    } else {
      // Failed here now; dropped there if it has not started (a late result is ignored).
      this.host.store.fail(id, cancelledPayload(what));
      const peer = route.peer;
      if (peer !== undefined) this.sender.push(peer, () => ({ t: 'cancel', id }));
    }
    return true;
  }

  /** The node's word on where actor `m.aid` is. */
  onRoute(m: Extract<ToWorker, { t: 'route' }>): void {
    const route = this.routes.get(m.aid);
    if (route === undefined) return;
    this.closeSocket(route);
    if (m.error !== undefined) {
      route.state = 'dead';
      route.died = m.error;
      const all = [...route.inflight.values(), ...route.queue.splice(0)];
      route.inflight.clear();
      for (const call of all) this.settle(call, undefined, m.error);
      return;
    }
    if (route.inflight.size > 0) this.restarted(route);
    if (m.addr === undefined) {
      route.state = 'restarting';
      return;
    }
    route.state = 'alive';
    route.retries = m.retries ?? 0;
    const peer = `a${route.aid}.${++this.incarnation}`;
    const socket = new Dealer({
      routingId: `${this.identity}.${this.incarnation}`,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: 0,
    });
    socket.connect(m.addr);
    this.sockets.set(peer, socket);
    route.peer = peer;
    void this.receive(route, socket);
    this.flush(route);
  }

  /** The calls in flight at an instance that died go again (first) or fail. */
  private restarted(route: Route): void {
    const again: Call[] = [];
    for (const call of route.inflight.values()) {
      if (call.retried < route.retries) {
        call.retried++;
        again.push(call);
      } else this.settle(call, undefined, restartFailure(route.aid, route.retries));
    }
    route.inflight.clear();
    route.queue.unshift(...again);
  }

  private closeSocket(route: Route): void {
    if (route.peer === undefined) return;
    const socket = this.sockets.get(route.peer);
    this.sockets.delete(route.peer);
    route.peer = undefined;
    socket?.close();
  }

  /** Sends the calls at the head of the queue whose arguments are ready, in order. */
  private flush(route: Route): void {
    const peer = route.peer;
    if (route.state !== 'alive' || route.waiting || peer === undefined) return;
    const store = this.host.store;
    while (route.queue.length > 0) {
      const call = route.queue[0] as Call;
      const deps = call.args.deps;
      const pending = deps.length === 0 ? undefined : deps.find((d) => store.isPending(d));
      if (pending !== undefined) {
        route.waiting = true;
        this.host.request(deps);
        store.onSettled(pending, () => {
          route.waiting = false;
          this.flush(route);
        });
        return;
      }
      route.queue.shift();
      const failed = deps.length === 0 ? undefined : failedDep(store, deps);
      if (failed !== undefined) {
        this.settle(call, undefined, failed);
        continue;
      }
      const values = deps.length === 0 ? NO_DEPS : deps.map((id) => readyValue(store, id));
      route.inflight.set(call.id, call);
      this.sender.push(peer, (v) => ({
        t: 'call',
        id: call.id,
        method: call.method,
        args: v(call.args),
        deps: values.map(v),
      }));
    }
  }

  private async receive(route: Route, socket: Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        let batch: ReturnType<typeof parseFromWorker>;
        try {
          batch = parseFromWorker(frames);
        } catch (error) {
          log.error(`actor #${route.aid}: ${(error as Error).message}`);
          continue;
        }
        for (const m of batch.messages) {
          if (m.t === 'ok' || m.t === 'err') this.onReply(route, m, batch.frames);
        }
      }
    } catch (error) {
      if (!socket.closed) log.debug(`actor #${route.aid}: socket failed: ${(error as Error).message}`);
    }
  }

  private onReply(route: Route, m: Reply, frames: readonly Uint8Array[]): void {
    const call = route.inflight.get(m.id);
    if (call === undefined) return;
    route.inflight.delete(m.id);
    if (m.t === 'ok') this.settle(call, toEncoded(m.value, frames), undefined);
    else this.settle(call, undefined, m.error);
  }

  private settle(call: Call, value: EncodedValue | undefined, error: ErrorPayload | undefined): void {
    const store = this.host.store;
    if (value !== undefined) store.resolve(call.id, value);
    else if (error !== undefined) store.fail(call.id, error);
    this.finish(call);
  }

  /** A call is over: its arguments' pins go, and the shared file this worker wrote for them. */
  private finish(call: Call): void {
    this.calls.delete(call.id);
    for (const dep of call.args.deps) this.host.store.unpin(dep);
    removeShared(call.args);
  }

  /** Closes every socket (the worker exits). */
  close(): void {
    this.sender.close();
    for (const route of this.routes.values()) this.closeSocket(route);
  }
}
