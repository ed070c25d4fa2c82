/**
 * Wire messages between a node and its workers (protocol version {@link PROTOCOL_VERSION}). Node
 * addresses are ZeroMQ endpoints (`ipc://...` or `tcp://host:port`).
 *
 * Workers are full clients: besides replies, a worker sends requests (submit a task, create an
 * actor, put, ask for objects, borrow and release refs, kill) with ids it makes itself
 * (`workerId * 2^32 + n`), so its calls return refs at once; the node answers object requests with
 * `obj` messages and keeps every worker's table of named actors current with `names`.
 *
 * Direct actor calls: a worker calls an actor on the actor worker's own socket, not through the node.
 * It asks the node where the actor is (`locate`); the node answers with `route` (alive at an address,
 * restarting, or dead) now and at every later change. The caller sends `call` and `cancel` messages
 * (the same shapes as the node's) to that address and gets `ok` / `err` replies back on it; it owns
 * the results. A result that escapes its caller (inside a put, a task's arguments or result) is first
 * handed to the node (`adopt`); a result that holds refs or a shared file goes to the node (`relay`),
 * which stores it for the caller and sends it on as `obj`.
 *
 * One ZeroMQ multipart message carries a batch: frame 0 is msgpack of `{ v, m: Message[] }`, the
 * frames after it are the raw frames of the values in the batch; a {@link WireValue} names its frames
 * by first index and count. Every received batch is validated before use.
 */
import { type EncodedValue, packr } from '../codec.js';
import { type ErrorPayload, isErrorPayload } from '../errors.js';
import { isSharedName } from '../shared-objects.js';

/** Ids a worker makes (objects, actors) are `workerId * WORKER_ID_RANGE + n`: below 2^53 for worker ids under 2^21. */
export const WORKER_ID_RANGE = 2 ** 32;

/** The worker that made an object or actor id (0: the driver). */
export function makerOf(id: number): number {
  return Math.floor(id / WORKER_ID_RANGE);
}

/** Bumped on any incompatible change of the messages below. */
export const PROTOCOL_VERSION = 3;

/**
 * A value on the wire: msgpack bytes plus `n` frames starting at batch frame `f`; `r`: ids of the refs
 * kept inside it (a stored value or result), `p`: ids of the argument refs it resolves (task arguments).
 * A large value's frames stay in a shared file of the node: `s` names it, `b` gives the frame sizes
 * (then `n` is 0; see shared-objects.ts).
 */
export interface WireValue {
  readonly d: Uint8Array;
  readonly f: number;
  readonly n: number;
  readonly r?: readonly number[];
  readonly p?: readonly number[];
  readonly s?: string;
  readonly b?: readonly number[];
}

/** A module URL and export name. */
export type WireSite = readonly [moduleUrl: string, exportName: string];

/** Node -> worker. */
export type ToWorker =
  /** Run a task; `deps` are the resolved argument refs in slot order; `gpu` the GPU ids it holds. */
  | {
      readonly t: 'task';
      readonly id: number;
      readonly site: WireSite;
      readonly args: WireValue;
      readonly deps: readonly WireValue[];
      readonly gpu: readonly number[];
    }
  /** Construct this worker's actor (the reply carries the same id). */
  | {
      readonly t: 'actor';
      readonly id: number;
      readonly site: WireSite;
      readonly args: WireValue;
      readonly deps: readonly WireValue[];
      readonly maxConcurrency: number;
    }
  /** Call a method of this worker's actor. */
  | {
      readonly t: 'call';
      readonly id: number;
      readonly method: string;
      readonly args: WireValue;
      readonly deps: readonly WireValue[];
    }
  /** Exit now. */
  | { readonly t: 'exit' }
  /** The value (or error) of an object the worker asked for with `get`. */
  | { readonly t: 'obj'; readonly id: number; readonly value?: WireValue; readonly error?: ErrorPayload }
  /** The named actors now alive: [name, actorId, moduleUrl, exportName]. */
  | { readonly t: 'names'; readonly names: readonly WireName[] }
  /** Drop a cancelled task or call if it has not started (the reply is an `err`). */
  | { readonly t: 'cancel'; readonly id: number }
  /** Hand back the tasks queued behind the running one (`requeue`): it has run too long. */
  | { readonly t: 'steal' }
  /**
   * Where actor `aid` is (after `locate`, and at every change): `addr` alive there (`retries`: its
   * maxTaskRetries); `error` dead; neither: restarting (hold calls until the next route).
   */
  | {
      readonly t: 'route';
      readonly aid: number;
      readonly addr?: string;
      readonly retries?: number;
      readonly error?: ErrorPayload;
    };

/** A named actor: name, actor id, class module URL, export name. */
export type WireName = readonly [name: string, actorId: number, moduleUrl: string, exportName: string];

/** Resolved task options as a worker sends them (validated by the node). */
export interface WireTaskOptions {
  readonly resources: Readonly<Record<string, number>>;
  readonly maxRetries: number;
  readonly retryExceptions: boolean | readonly string[];
  readonly timeoutMs?: number;
  readonly strategy?: 'pack' | 'spread';
}

/** Resolved actor options as a worker sends them (validated by the node). */
export interface WireActorOptions {
  readonly resources: Readonly<Record<string, number>>;
  readonly name?: string;
  readonly maxRestarts: number;
  readonly maxTaskRetries: number;
  readonly maxConcurrency: number;
}

/** Worker -> node requests (a worker acting as a client of the runtime). */
export type ClientRequest =
  | {
      readonly t: 'submit';
      readonly id: number;
      readonly site: WireSite;
      readonly args: WireValue;
      readonly opts: WireTaskOptions;
    }
  | {
      readonly t: 'create';
      readonly aid: number;
      readonly site: WireSite;
      readonly args: WireValue;
      readonly opts: WireActorOptions;
    }
  | { readonly t: 'put'; readonly id: number; readonly value: WireValue }
  /** Send `obj` for each id once settled; `requeue`: queued tasks handed back (the caller blocks). */
  | { readonly t: 'get'; readonly ids: readonly number[]; readonly requeue: readonly number[] }
  /** Send `obj` for each id once settled, without blocking (arguments of a direct actor call). */
  | { readonly t: 'fetch'; readonly ids: readonly number[] }
  /** The task waits for results of its direct actor calls: lend its CPU (`requeue` as in `get`). */
  | { readonly t: 'block'; readonly requeue: readonly number[] }
  | { readonly t: 'unblock' }
  /** Tell me where actor `aid` is (`route`), now and at every change. */
  | { readonly t: 'locate'; readonly aid: number }
  /**
   * Take over a result of one of my direct calls that escapes me (held for me like a put): with
   * `value` or `error` it is settled (or settles a pending one adopted before); with neither, pending.
   */
  | { readonly t: 'adopt'; readonly id: number; readonly value?: WireValue; readonly error?: ErrorPayload }
  /** The result of a direct call (id made by the caller) that holds refs or a shared file: store and send it on. */
  | { readonly t: 'relay'; readonly id: number; readonly value: WireValue }
  | { readonly t: 'borrow'; readonly ids: readonly number[] }
  | { readonly t: 'release'; readonly ids: readonly number[] }
  | { readonly t: 'kill'; readonly aid: number; readonly noRestart: boolean }
  | { readonly t: 'cancel'; readonly id: number; readonly force: boolean };

/** Worker -> node: replies (`ready`, `ok`, `err`, `requeue`) and client requests. */
export type FromWorker =
  | ClientRequest
  | { readonly t: 'ready'; readonly pid: number }
  /** Queued tasks the worker dropped unstarted (after a `cancel`), for the node to run elsewhere. */
  | { readonly t: 'requeue'; readonly ids: readonly number[] }
  | Reply;

/**
 * The result of a task, constructor or call. `ms`: how long a task ran (sets the pipeline depth);
 * `addr`: on a constructor's reply, the actor's own socket for direct calls.
 */
export type Reply =
  | {
      readonly t: 'ok';
      readonly id: number;
      readonly value: WireValue;
      readonly ms?: number;
      readonly addr?: string;
    }
  | { readonly t: 'err'; readonly id: number; readonly error: ErrorPayload; readonly ms?: number };

/** Collects messages and frames into one batch. */
export class BatchBuilder<M> {
  readonly messages: M[] = [];
  readonly frames: Uint8Array[] = [];

  /** Appends a value's frames and returns its wire form. */
  value(v: EncodedValue): WireValue {
    const f = this.frames.length;
    if (v.shared !== undefined) {
      const { name: s, frameBytes: b } = v.shared;
      if (v.refs.length === 0 && v.deps.length === 0) return { d: v.data, f, n: 0, s, b };
      return { d: v.data, f, n: 0, r: v.refs, p: v.deps, s, b };
    }
    for (const frame of v.frames) this.frames.push(frame);
    if (v.refs.length === 0 && v.deps.length === 0) return { d: v.data, f, n: v.frames.length };
    return { d: v.data, f, n: v.frames.length, r: v.refs, p: v.deps };
  }

  /** The frames to send: header first. */
  finish(): Uint8Array[] {
    return [packr.pack({ v: PROTOCOL_VERSION, m: this.messages }), ...this.frames];
  }
}

/** A received batch: messages plus the frames their values point into. */
export interface ReceivedBatch<M> {
  readonly messages: readonly M[];
  readonly frames: readonly Uint8Array[];
}

function fail(what: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new TypeError(`protocol v${PROTOCOL_VERSION}: bad ${what}: ${shown}`);
}

const isIdList = (x: unknown): boolean =>
  x === undefined || (Array.isArray(x) && x.every((i) => typeof i === 'number'));

function isWireValue(v: unknown, numFrames: number): v is WireValue {
  if (typeof v !== 'object' || v === null) return false;
  const w = v as Record<string, unknown>;
  if (w['s'] !== undefined) {
    const b = w['b'];
    const sizes = Array.isArray(b) && b.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0);
    if (!isSharedName(w['s']) || !sizes || w['n'] !== 0) return false;
  }
  return (
    isIdList(w['r']) &&
    isIdList(w['p']) &&
    w['d'] instanceof Uint8Array &&
    typeof w['f'] === 'number' &&
    typeof w['n'] === 'number' &&
    w['f'] >= 0 &&
    w['f'] + w['n'] <= numFrames
  );
}

function header(frames: readonly Uint8Array[]): unknown[] {
  const first = frames[0];
  if (first === undefined) fail('batch (no frames)', []);
  const h: unknown = packr.unpack(first);
  if (typeof h !== 'object' || h === null) fail('batch header', h);
  const rec = h as Record<string, unknown>;
  if (rec['v'] !== PROTOCOL_VERSION) {
    fail(`protocol version (expected ${PROTOCOL_VERSION}; node and worker must run the same tsrl)`, rec['v']);
  }
  if (!Array.isArray(rec['m'])) fail('batch messages', rec['m']);
  return rec['m'];
}

function checkValues(m: Record<string, unknown>, numFrames: number): void {
  if (!isWireValue(m['args'], numFrames)) fail('args', m['args']);
  const deps = m['deps'];
  if (!Array.isArray(deps) || !deps.every((d) => isWireValue(d, numFrames))) fail('deps', deps);
}

const isIds = (x: unknown): x is number[] => Array.isArray(x) && x.every((i) => typeof i === 'number');

function isWireName(x: unknown): boolean {
  return (
    Array.isArray(x) &&
    typeof x[0] === 'string' &&
    typeof x[1] === 'number' &&
    typeof x[2] === 'string' &&
    typeof x[3] === 'string'
  );
}

const CLIENT_TYPES = new Set([
  'submit',
  'create',
  'put',
  'get',
  'fetch',
  'block',
  'unblock',
  'locate',
  'adopt',
  'relay',
  'borrow',
  'release',
  'kill',
  'cancel',
]);

function isSite(x: unknown): boolean {
  return Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'string';
}

const isCount = (x: unknown): boolean =>
  typeof x === 'number' && (Number.isInteger(x) || x === Infinity) && x >= 0;

function isResources(x: unknown): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    Object.values(x).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
  );
}

function checkTaskOptions(o: unknown): void {
  const r = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
  const re = r['retryExceptions'];
  const t = r['timeoutMs'];
  const s = r['strategy'];
  if (
    !(s === undefined || s === 'pack' || s === 'spread') ||
    !isResources(r['resources']) ||
    !isCount(r['maxRetries']) ||
    !(typeof re === 'boolean' || (Array.isArray(re) && re.every((n) => typeof n === 'string'))) ||
    !(t === undefined || (typeof t === 'number' && t > 0))
  ) {
    fail('task options (resources, maxRetries, retryExceptions, timeoutMs, strategy)', o);
  }
}

function checkActorOptions(o: unknown): void {
  const r = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
  const mc = r['maxConcurrency'];
  if (
    !isResources(r['resources']) ||
    !(r['name'] === undefined || (typeof r['name'] === 'string' && r['name'] !== '')) ||
    !isCount(r['maxRestarts']) ||
    !isCount(r['maxTaskRetries']) ||
    !(typeof mc === 'number' && Number.isInteger(mc) && mc >= 1)
  ) {
    fail('actor options (resources, name, maxRestarts, maxTaskRetries, maxConcurrency)', o);
  }
}

function checkClientRequest(m: Record<string, unknown>, numFrames: number): void {
  switch (m['t']) {
    case 'submit':
      if (typeof m['id'] !== 'number' || !isSite(m['site']) || !isWireValue(m['args'], numFrames))
        fail('submit', m);
      checkTaskOptions(m['opts']);
      return;
    case 'create':
      if (typeof m['aid'] !== 'number' || !isSite(m['site']) || !isWireValue(m['args'], numFrames))
        fail('create', m);
      checkActorOptions(m['opts']);
      return;
    case 'put':
      if (typeof m['id'] !== 'number' || !isWireValue(m['value'], numFrames)) fail('put', m);
      return;
    case 'get':
      if (!isIds(m['ids']) || !isIds(m['requeue'])) fail('get', m);
      return;
    case 'block':
      if (!isIds(m['requeue'])) fail('block', m);
      return;
    case 'unblock':
      return;
    case 'locate':
      if (typeof m['aid'] !== 'number') fail('locate', m);
      return;
    case 'adopt': {
      const v = m['value'];
      const e = m['error'];
      if (
        typeof m['id'] !== 'number' ||
        (v !== undefined && !isWireValue(v, numFrames)) ||
        (e !== undefined && !isErrorPayload(e))
      )
        fail('adopt', m);
      return;
    }
    case 'relay':
      if (typeof m['id'] !== 'number' || !isWireValue(m['value'], numFrames)) fail('relay', m);
      return;
    case 'fetch':
    case 'borrow':
    case 'release':
      if (!isIds(m['ids'])) fail(String(m['t']), m);
      return;
    case 'kill':
      if (typeof m['aid'] !== 'number' || typeof m['noRestart'] !== 'boolean') fail('kill', m);
      return;
    case 'cancel':
      if (typeof m['id'] !== 'number' || typeof m['force'] !== 'boolean') fail('cancel', m);
      return;
  }
}

/** Parses and validates a batch sent to a worker (frames after the header). @throws TypeError */
export function parseToWorker(frames: readonly Uint8Array[]): ReceivedBatch<ToWorker> {
  const messages = header(frames);
  const data = frames.slice(1);
  for (const raw of messages) {
    if (typeof raw !== 'object' || raw === null) fail('message', raw);
    const m = raw as Record<string, unknown>;
    if (m['t'] === 'exit' || m['t'] === 'steal') continue;
    if (m['t'] === 'names') {
      if (!Array.isArray(m['names']) || !m['names'].every(isWireName)) fail('names', m['names']);
      continue;
    }
    if (m['t'] === 'route') {
      const addr = m['addr'];
      const retries = m['retries'];
      if (
        typeof m['aid'] !== 'number' ||
        (addr !== undefined && typeof addr !== 'string') ||
        (retries !== undefined && !isCount(retries)) ||
        (m['error'] !== undefined && !isErrorPayload(m['error']))
      )
        fail('route', m);
      continue;
    }
    if (typeof m['id'] !== 'number') fail('message id', m);
    if (m['t'] === 'obj') {
      const ok = m['value'] !== undefined && isWireValue(m['value'], data.length);
      if (!ok && !isErrorPayload(m['error'])) fail('obj message (needs value or error)', m);
      continue;
    }
    if (m['t'] === 'cancel') continue;
    if (m['t'] === 'task' || m['t'] === 'actor') {
      const site = m['site'];
      if (!Array.isArray(site) || typeof site[0] !== 'string' || typeof site[1] !== 'string')
        fail('site', site);
      checkValues(m, data.length);
      if (m['t'] === 'task' && !(Array.isArray(m['gpu']) && m['gpu'].every((g) => typeof g === 'number'))) {
        fail('gpu ids', m['gpu']);
      }
      if (m['t'] === 'actor' && typeof m['maxConcurrency'] !== 'number')
        fail('maxConcurrency', m['maxConcurrency']);
    } else if (m['t'] === 'call') {
      if (typeof m['method'] !== 'string') fail('method', m['method']);
      checkValues(m, data.length);
    } else fail('message type', m['t']);
  }
  return { messages: messages as ToWorker[], frames: data };
}

/** Parses and validates a batch sent by a worker. @throws TypeError */
export function parseFromWorker(frames: readonly Uint8Array[]): ReceivedBatch<FromWorker> {
  const messages = header(frames);
  const data = frames.slice(1);
  for (const raw of messages) {
    if (typeof raw !== 'object' || raw === null) fail('message', raw);
    const m = raw as Record<string, unknown>;
    if (m['ms'] !== undefined && typeof m['ms'] !== 'number') fail('ms', m['ms']);
    if (typeof m['t'] === 'string' && CLIENT_TYPES.has(m['t'])) checkClientRequest(m, data.length);
    else if (m['t'] === 'requeue') {
      if (!isIds(m['ids'])) fail('requeue ids', m['ids']);
    } else if (m['t'] === 'ready') {
      if (typeof m['pid'] !== 'number') fail('pid', m['pid']);
    } else if (m['t'] === 'ok') {
      if (
        typeof m['id'] !== 'number' ||
        !isWireValue(m['value'], data.length) ||
        (m['addr'] !== undefined && typeof m['addr'] !== 'string')
      )
        fail('ok message', m);
    } else if (m['t'] === 'err') {
      if (typeof m['id'] !== 'number' || !isErrorPayload(m['error'])) fail('err message', m);
    } else fail('message type', m['t']);
  }
  return { messages: messages as FromWorker[], frames: data };
}

/** The frames of a wire value, as an encoded value the store can keep. */
export function toEncoded(w: WireValue, frames: readonly Uint8Array[]): EncodedValue {
  if (w.s !== undefined && w.b !== undefined) {
    let sizeBytes = w.d.byteLength;
    for (const n of w.b) sizeBytes += n;
    const shared = { name: w.s, frameBytes: w.b };
    return { data: w.d, frames: [], deps: w.p ?? [], refs: w.r ?? [], sizeBytes, shared };
  }
  const own = frames.slice(w.f, w.f + w.n);
  let sizeBytes = w.d.byteLength;
  for (const f of own) sizeBytes += f.byteLength;
  return { data: w.d, frames: own, deps: w.p ?? [], refs: w.r ?? [], sizeBytes };
}
