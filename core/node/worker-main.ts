/**
 * The entry of a worker process. Started by the node with `TSRL_NODE_ADDRESS` and `TSRL_WORKER_ID`;
 * connects a DEALER socket, says `ready`, then runs tasks (one after another, in arrival order) or
 * hosts one actor (calls start in arrival order, up to `maxConcurrency` at once). An actor's worker
 * also binds a ROUTER socket of its own, where other workers call it directly (direct-calls.ts): its
 * address goes to the node with the constructor's reply, and each direct call's result goes back to
 * its caller on that socket (through the node only when it holds refs or a shared file).
 *
 * It exits when told to, when its IPC channel to the parent closes (the driver died) or when its
 * parent pid changes, so no worker outlives its driver: a watchdog thread checks the parent pid even
 * while this thread runs synchronous code, and SIGKILLs this process when the driver is gone.
 */
import { randomBytes } from 'node:crypto';
import { Dealer, Router } from 'zeromq';
import type { ActorClass, DefinitionSite, TaskFunction } from '../backend.js';
import { decodeValue, encodeValue } from '../codec.js';
import { loadDefinition } from '../definition.js';
import { cancelledPayload, type ErrorPayload, toErrorPayload } from '../errors.js';
import { createLogger } from '../logger.js';
import { framesOf, useSharedDirectory } from '../shared-objects.js';
import { setWorkerContext, workerContext } from '../worker-context.js';
import { BatchSender } from './batch-sender.js';
import { type FromWorker, parseToWorker, type ToWorker, toEncoded, type WireValue } from './protocol.js';
import { removeOrphans, startWatchdog } from './watchdog.js';
import { WorkerClient } from './worker-client.js';
import '../remote-class.js';

const log = createLogger('core.worker');
const address = process.env['TSRL_NODE_ADDRESS'];
const workerId = process.env['TSRL_WORKER_ID'];
if (address === undefined || workerId === undefined) {
  throw new Error(
    'worker-main: TSRL_NODE_ADDRESS and TSRL_WORKER_ID must be set (workers are started by the node)',
  );
}

// The driver's pid comes from the environment, not from process.ppid at start-up: a driver that died
// while this worker was still loading has already handed it to init (ppid 1).
const parentPid = Number(process.env['TSRL_PARENT_PID'] ?? process.ppid);
const sharedDir = process.env['TSRL_SHARED_DIR'];
useSharedDirectory(sharedDir);
startWatchdog(parentPid, address, sharedDir);
/** Exits; when the driver is gone, first removes what it left (socket file, shared folder). */
const exitNow = (): never => {
  if (!process.connected || process.ppid !== parentPid) removeOrphans();
  process.exit(0);
};
process.on('disconnect', exitNow);
// Ctrl-C in a terminal signals the whole process group: the driver decides what it means (a training
// run finishes its iteration and checkpoints, which needs its actors alive); a worker ends when its
// driver disconnects.
process.on('SIGINT', () => undefined);
if (!process.connected || process.ppid !== parentPid) exitNow();

const socket = new Dealer({
  routingId: `w${workerId}`,
  linger: 0,
  sendHighWaterMark: 0,
  receiveHighWaterMark: 0,
});
socket.connect(address);
const sender = new BatchSender<FromWorker>((_peer, frames) => socket.send(frames));
const client = new WorkerClient(sender, Number(workerId), takeQueuedTasks, () => actor !== undefined);
/** An actor's socket for direct calls, and its sender of replies (by caller). */
let direct: { readonly router: Router; readonly sender: BatchSender<FromWorker> } | undefined;
setWorkerContext({ backend: client, loading: undefined });

/** Drops a cancelled task or call that has not started (a running one finishes; the node drops it). */
function dropQueued(id: number): void {
  const t = taskQueue.findIndex((q) => q.m.id === id);
  if (t >= 0) taskQueue.splice(t, 1);
  const c = actorQueue.findIndex((q) => q.m.id === id);
  const from = c >= 0 ? actorQueue.splice(c, 1)[0]?.from : undefined;
  if (t >= 0 || c >= 0) replyError(id, cancelledPayload(`ObjectRef(${id})`), undefined, from);
}

/** Hands back the tasks queued behind the running one (it blocks in `get`); none in an actor. */
function takeQueuedTasks(): number[] {
  if (actor !== undefined || taskQueue.length === 0) return [];
  return taskQueue.splice(0).map((t) => t.m.id);
}

const functions = new Map<string, TaskFunction>();
const NULL_VALUE = encodeValue(null, { copyFrames: false, refs: 'keep' });
/** `ready`: the constructed instance once the constructor has finished (calls then skip an await). */
let actor: { instance: Promise<object>; ready: object | undefined; maxConcurrency: number } | undefined;
let running = 0;
/** Calls waiting to start; `from`: the caller of a direct call (undefined: the node's call). */
const actorQueue: Array<{
  m: Extract<ToWorker, { t: 'call' }>;
  frames: readonly Uint8Array[];
  from: string | undefined;
}> = [];
/** Tasks waiting behind a running asynchronous task (tasks run one after another, in arrival order). */
const taskQueue: Array<{ m: Extract<ToWorker, { t: 'task' }>; frames: readonly Uint8Array[] }> = [];
let taskRunning = false;

function decodeArgs(args: WireValue, deps: readonly WireValue[], frames: readonly Uint8Array[]): unknown[] {
  // A shared value is read from its file: this task's own copy.
  const slice = (w: WireValue) =>
    w.s === undefined ? frames.slice(w.f, w.f + w.n) : framesOf(toEncoded(w, frames)).frames;
  const depValues = deps.map((d) => decodeValue(d.d, slice(d)));
  const decoded = decodeValue(args.d, slice(args), depValues);
  if (!Array.isArray(decoded)) throw new TypeError('worker: arguments must decode to a list');
  return decoded;
}

/**
 * Task results are sent without copying their arrays (the task is over; its result is not shared);
 * actor results are copied because the actor may keep and change the array while it is in flight.
 * `from`: the caller of a direct call; its result goes back on the actor's socket, or through the
 * node when it holds refs (the node counts them) or a shared file (the node owns those).
 */
function reply(id: number, value: unknown, copyFrames: boolean, ms?: number, from?: string): void {
  let encoded: ReturnType<typeof encodeValue>;
  try {
    encoded = encodeValue(value, { copyFrames, refs: 'keep' });
  } catch (error) {
    replyError(id, toErrorPayload(error), undefined, from);
    return;
  }
  client.handOver(encoded.refs);
  if (from !== undefined && direct !== undefined) {
    if (encoded.refs.length > 0 || encoded.shared !== undefined)
      sender.push(undefined, (v) => ({ t: 'relay', id, value: v(encoded) }));
    else direct.sender.push(from, (v) => ({ t: 'ok', id, value: v(encoded) }));
    return;
  }
  sender.push(undefined, (v) =>
    ms === undefined ? { t: 'ok', id, value: v(encoded) } : { t: 'ok', id, value: v(encoded), ms },
  );
}

function replyError(id: number, error: ErrorPayload, ms?: number, from?: string): void {
  if (from !== undefined && direct !== undefined) {
    direct.sender.push(from, () => ({ t: 'err', id, error }));
    return;
  }
  sender.push(undefined, () => (ms === undefined ? { t: 'err', id, error } : { t: 'err', id, error, ms }));
}

/**
 * Binds the actor's socket for direct calls: abstract ipc on Linux (no file), else loopback TCP;
 * TCP also when the node uses TCP.
 */
async function bindDirect(): Promise<string> {
  const router = new Router({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  if (process.platform === 'linux' && !(address ?? '').startsWith('tcp://')) {
    await router.bind(`ipc://@tsrl-${parentPid}-a${workerId}-${randomBytes(4).toString('hex')}`);
  } else await router.bind('tcp://127.0.0.1:*');
  const replies = new BatchSender<FromWorker>((peer, frames) => router.send([peer ?? '', ...frames]));
  direct = { router, sender: replies };
  void serveDirect(router);
  return router.lastEndpoint ?? '';
}

/** Receives direct calls (and their cancels) from other workers. */
async function serveDirect(router: Router): Promise<void> {
  for await (const [peer, ...frames] of router) {
    let batch: ReturnType<typeof parseToWorker>;
    try {
      batch = parseToWorker(frames);
    } catch (error) {
      log.error(`dropping a bad batch from a caller: ${(error as Error).message}`);
      continue;
    }
    const from = peer?.toString() ?? '';
    for (const m of batch.messages) {
      if (m.t === 'call') {
        actorQueue.push({ m, frames: batch.frames, from });
        pumpActor();
      } else if (m.t === 'cancel') dropQueued(m.id);
    }
  }
}

/**
 * Runs queued tasks in order. Synchronous functions of loaded modules run right here, one after
 * another (no promise per task: the common case of a stream of small tasks); a task that must load its
 * module or returns a promise is awaited before the next one starts.
 */
function pumpTasks(): void {
  if (taskRunning) return;
  let next = taskQueue.shift();
  while (next !== undefined) {
    const pending = runTask(next.m, next.frames);
    if (pending !== undefined) {
      taskRunning = true;
      void pending.finally(() => {
        taskRunning = false;
        pumpTasks();
      });
      return;
    }
    next = taskQueue.shift();
  }
}

/** Runs one task; returns a promise only when it has to wait (module load, asynchronous result). */
function runTask(
  m: Extract<ToWorker, { t: 'task' }>,
  frames: readonly Uint8Array[],
): Promise<void> | undefined {
  const fn = functions.get(`${m.site[0]}#${m.site[1]}`);
  if (fn === undefined) return loadAndRunTask(m, frames);
  let startMs: number | undefined;
  try {
    if (m.gpu.length > 0) {
      process.env['CUDA_VISIBLE_DEVICES'] = m.gpu.join(',');
      process.env['TSRL_GPU_IDS'] = m.gpu.join(',');
    }
    const args = decodeArgs(m.args, m.deps, frames);
    startMs = performance.now();
    const value: unknown = (fn as (...a: unknown[]) => unknown)(...args);
    if (value instanceof Promise) return finishTask(m.id, value, startMs);
    reply(m.id, value, false, performance.now() - startMs);
  } catch (error) {
    replyError(m.id, toErrorPayload(error), startMs === undefined ? undefined : performance.now() - startMs);
  }
  return undefined;
}

async function finishTask(id: number, pending: Promise<unknown>, startMs: number): Promise<void> {
  try {
    const value = await pending;
    reply(id, value, false, performance.now() - startMs);
  } catch (error) {
    replyError(id, toErrorPayload(error), performance.now() - startMs);
  }
}

/** Imports a definition, marking the import so that runtime calls at the module's top level fail clearly. */
async function load(site: DefinitionSite, kind: 'function' | 'class') {
  const context = workerContext();
  if (context !== undefined) context.loading = site.moduleUrl;
  try {
    return await loadDefinition(site, kind);
  } finally {
    if (context !== undefined) context.loading = undefined;
  }
}

async function loadAndRunTask(
  m: Extract<ToWorker, { t: 'task' }>,
  frames: readonly Uint8Array[],
): Promise<void> {
  try {
    const def = await load(siteOf(m.site), 'function');
    if (def.kind !== 'function') throw new TypeError('not a function');
    functions.set(`${m.site[0]}#${m.site[1]}`, def.fn);
  } catch (error) {
    replyError(m.id, toErrorPayload(error));
    return;
  }
  await runTask(m, frames);
}

function siteOf(site: readonly [string, string]): DefinitionSite {
  return { moduleUrl: site[0], exportName: site[1] };
}

async function construct(
  m: Extract<ToWorker, { t: 'actor' }>,
  frames: readonly Uint8Array[],
): Promise<object> {
  const def = await load(siteOf(m.site), 'class');
  if (def.kind !== 'class') throw new TypeError('not a class');
  const args = decodeArgs(m.args, m.deps, frames);
  return new (def.cls as ActorClass as unknown as new (...a: unknown[]) => object)(...args);
}

/** Starts queued calls while fewer than `maxConcurrency` run (calls start in arrival order). */
function pumpActor(): void {
  while (actor !== undefined && running < actor.maxConcurrency && actorQueue.length > 0) {
    const next = actorQueue.shift() as (typeof actorQueue)[number];
    running++;
    const pending =
      actor.ready === undefined
        ? runCallAfterConstructor(next.m, next.frames, next.from)
        : runCall(actor.ready, next.m, next.frames, next.from);
    if (pending === undefined) running--;
    else
      void pending.finally(() => {
        running--;
        pumpActor();
      });
  }
}

/** Waits for the constructor, then runs the call (or fails it when the constructor threw). */
async function runCallAfterConstructor(
  m: Extract<ToWorker, { t: 'call' }>,
  frames: readonly Uint8Array[],
  from: string | undefined,
): Promise<void> {
  const a = actor;
  if (a === undefined) {
    const error = toErrorPayload(new Error('worker: a method call arrived before the actor'), 'runtime');
    replyError(m.id, error, undefined, from);
    return;
  }
  let instance: object;
  try {
    instance = await a.instance;
  } catch (error) {
    const p = toErrorPayload(error);
    const message = `the actor's constructor threw ${p.name}: ${p.message}\n${p.stack}`;
    const died: ErrorPayload = {
      kind: 'actor-died',
      name: 'ActorDiedError',
      message,
      stack: `ActorDiedError: ${message}`,
    };
    replyError(m.id, died, undefined, from);
    return;
  }
  await runCall(instance, m, frames, from);
}

/** Runs one method call; returns a promise only when the method returned one. */
function runCall(
  instance: object,
  m: Extract<ToWorker, { t: 'call' }>,
  frames: readonly Uint8Array[],
  from: string | undefined,
): Promise<void> | undefined {
  try {
    const method = (instance as Record<string, unknown>)[m.method];
    if (typeof method !== 'function') {
      throw new TypeError(`actor ${instance.constructor.name} has no method '${m.method}'`);
    }
    const args = decodeArgs(m.args, m.deps, frames);
    const value: unknown = (method as (...a: unknown[]) => unknown).apply(instance, args);
    if (value instanceof Promise) return finishCall(m.id, value, from);
    reply(m.id, value, true, undefined, from);
  } catch (error) {
    replyError(m.id, toErrorPayload(error), undefined, from);
  }
  return undefined;
}

async function finishCall(id: number, pending: Promise<unknown>, from: string | undefined): Promise<void> {
  try {
    reply(id, await pending, true, undefined, from);
  } catch (error) {
    replyError(id, toErrorPayload(error), undefined, from);
  }
}

function handle(m: ToWorker, frames: readonly Uint8Array[]): void {
  switch (m.t) {
    case 'task':
      taskQueue.push({ m, frames });
      pumpTasks();
      break;
    case 'actor': {
      const instance = construct(m, frames);
      const a: NonNullable<typeof actor> = { instance, ready: undefined, maxConcurrency: m.maxConcurrency };
      actor = a;
      // The reply carries the socket where other workers call this actor directly.
      Promise.all([instance, bindDirect()]).then(
        ([value, addr]) => {
          a.ready = value;
          sender.push(undefined, (v) => ({ t: 'ok', id: m.id, value: v(NULL_VALUE), addr }));
        },
        (error: unknown) => replyError(m.id, toErrorPayload(error)),
      );
      break;
    }
    case 'call':
      actorQueue.push({ m, frames, from: undefined });
      pumpActor();
      break;
    case 'route':
      client.direct.onRoute(m);
      break;
    case 'obj':
      client.onObject(m, frames);
      break;
    case 'names':
      client.setNames(m.names);
      break;
    case 'cancel':
      dropQueued(m.id);
      break;
    case 'steal': {
      const ids = takeQueuedTasks();
      if (ids.length > 0) sender.push(undefined, () => ({ t: 'requeue', ids }));
      break;
    }
    case 'exit':
      exitNow();
  }
}

async function main(): Promise<void> {
  sender.push(undefined, () => ({ t: 'ready', pid: process.pid }));
  for await (const frames of socket) {
    let batch: ReturnType<typeof parseToWorker>;
    try {
      batch = parseToWorker(frames);
    } catch (error) {
      log.error(`dropping a bad batch from the node: ${(error as Error).message}`);
      continue;
    }
    for (const m of batch.messages) handle(m, batch.frames);
  }
}

main().catch((error: unknown) => {
  log.error(`worker ${workerId} failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
