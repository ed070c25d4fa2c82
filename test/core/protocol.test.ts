import { describe, expect, it } from 'vitest';
import { encodeValue, packr } from '../../core/codec.js';
import {
  BatchBuilder,
  type FromWorker,
  PROTOCOL_VERSION,
  parseFromWorker,
  parseToWorker,
  type ToWorker,
} from '../../core/node/protocol.js';

describe('wire protocol v3', () => {
  it('round-trips a batch with values and frames', () => {
    const b = new BatchBuilder<ToWorker>();
    const args = encodeValue([new Float32Array(2048).fill(4)], { copyFrames: false, refs: 'keep' });
    b.messages.push({
      t: 'task',
      id: 3,
      site: ['file:///m.ts', 'f'],
      args: b.value(args),
      deps: [],
      gpu: [0],
    });
    b.messages.push({ t: 'exit' });
    const parsed = parseToWorker(b.finish());
    expect(parsed.messages.map((m) => m.t)).toEqual(['task', 'exit']);
    expect(parsed.frames.length).toBe(1);
  });

  it('carries a shared value by file name and rejects names that could leave the folder', () => {
    const wire = (s: string) => {
      const b = new BatchBuilder<FromWorker>();
      const value = {
        data: packr.pack(1),
        frames: [],
        deps: [],
        refs: [],
        sizeBytes: 9,
        shared: { name: s, frameBytes: [8] },
      };
      b.messages.push({ t: 'put', id: 1, value: b.value(value) });
      return b.finish();
    };
    const ok = parseFromWorker(wire('a1-2b'));
    const m = ok.messages[0] as Extract<FromWorker, { t: 'put' }>;
    expect(m.value.s).toBe('a1-2b');
    expect(m.value.b).toEqual([8]);
    expect(ok.frames.length).toBe(0);
    for (const bad of ['../x', '/etc/passwd', 'a/b', ''])
      expect(() => parseFromWorker(wire(bad))).toThrow(/bad put/);
  });

  it('rejects a batch of another protocol version, naming it', () => {
    expect(() => parseToWorker([packr.pack({ v: 99, m: [] })])).toThrow(/protocol version.*99/);
  });

  it('rejects malformed messages naming the field', () => {
    const bad = (m: unknown) => [packr.pack({ v: PROTOCOL_VERSION, m: [m] })];
    expect(() => parseToWorker(bad({ t: 'task', id: 1, site: ['u'], args: {}, deps: [], gpu: [] }))).toThrow(
      /site/,
    );
    expect(() => parseToWorker(bad({ t: 'dance', id: 1 }))).toThrow(/message type/);
    expect(() =>
      parseFromWorker(bad({ t: 'ok', id: 1, value: { d: new Uint8Array(1), f: 0, n: 1 } })),
    ).toThrow(/ok message/);
    expect(() => parseFromWorker(bad({ t: 'err', id: 1, error: { name: 'x' } }))).toThrow(/err message/);
    const opts = { resources: { CPU: 1 }, maxRetries: 3, retryExceptions: false };
    const args = { d: new Uint8Array(1), f: 0, n: 0 };
    expect(() =>
      parseFromWorker(bad({ t: 'submit', id: 1, site: ['u', 'f'], args, opts: { ...opts, maxRetries: -2 } })),
    ).toThrow(/task options/);
    expect(() => parseFromWorker(bad({ t: 'get', ids: [1, 'x'], requeue: [] }))).toThrow(/bad get/);
    expect(() => parseFromWorker(bad({ t: 'release', ids: 'all' }))).toThrow(/bad release/);
    expect(() => parseToWorker(bad({ t: 'obj', id: 1 }))).toThrow(/obj message/);
  });

  it('accepts every client request of a worker', () => {
    const b = new BatchBuilder<FromWorker>();
    const args = b.value(encodeValue([1], { copyFrames: false, refs: 'resolve' }));
    const opts = { resources: { CPU: 1 }, maxRetries: Number.POSITIVE_INFINITY, retryExceptions: ['E'] };
    b.messages.push({ t: 'submit', id: 2 ** 32 + 1, site: ['file:///m.ts', 'f'], args, opts });
    b.messages.push({
      t: 'create',
      aid: 2 ** 32 + 1,
      site: ['file:///m.ts', 'C'],
      args,
      opts: { resources: {}, name: 'n', maxRestarts: 0, maxTaskRetries: 0, maxConcurrency: 1 },
    });
    b.messages.push({ t: 'get', ids: [1], requeue: [4] });
    b.messages.push({ t: 'fetch', ids: [1] });
    b.messages.push({ t: 'block', requeue: [] });
    b.messages.push({ t: 'unblock' });
    b.messages.push({ t: 'locate', aid: 2 ** 32 + 1 });
    b.messages.push({ t: 'adopt', id: 2 ** 32 + 3 });
    b.messages.push({ t: 'adopt', id: 2 ** 32 + 3, value: args });
    b.messages.push({ t: 'relay', id: 2 ** 32 + 4, value: args });
    b.messages.push({ t: 'borrow', ids: [1] });
    b.messages.push({ t: 'release', ids: [1] });
    b.messages.push({ t: 'kill', aid: 1, noRestart: true });
    expect(parseFromWorker(b.finish()).messages.map((m) => m.t)).toEqual([
      'submit',
      'create',
      'get',
      'fetch',
      'block',
      'unblock',
      'locate',
      'adopt',
      'adopt',
      'relay',
      'borrow',
      'release',
      'kill',
    ]);
  });

  it('carries direct actor calls: routes to callers, an actor address on the constructor reply', () => {
    const toCaller = new BatchBuilder<ToWorker>();
    const died = { kind: 'actor-died' as const, name: 'ActorDiedError', message: 'm', stack: 's' };
    toCaller.messages.push({ t: 'route', aid: 7, addr: 'ipc://@a', retries: 1 });
    toCaller.messages.push({ t: 'route', aid: 7 });
    toCaller.messages.push({ t: 'route', aid: 7, error: died });
    const routes = parseToWorker(toCaller.finish()).messages as Extract<ToWorker, { t: 'route' }>[];
    expect(routes.map((m) => [m.addr, m.error?.name])).toEqual([
      ['ipc://@a', undefined],
      [undefined, undefined],
      [undefined, 'ActorDiedError'],
    ]);
    const bad = (m: unknown) => [packr.pack({ v: PROTOCOL_VERSION, m: [m] })];
    expect(() => parseToWorker(bad({ t: 'route', aid: 'x' }))).toThrow(/bad route/);
    expect(() => parseToWorker(bad({ t: 'route', aid: 1, addr: 5 }))).toThrow(/bad route/);
    expect(() => parseFromWorker(bad({ t: 'adopt', id: 1, error: { name: 'x' } }))).toThrow(/bad adopt/);
    const value = { d: new Uint8Array(1), f: 0, n: 0 };
    expect(() => parseFromWorker(bad({ t: 'ok', id: 1, value, addr: 3 }))).toThrow(/ok message/);
    const ok = parseFromWorker(bad({ t: 'ok', id: 1, value, addr: 'tcp://127.0.0.1:5' }));
    expect((ok.messages[0] as Extract<FromWorker, { t: 'ok' }>).addr).toBe('tcp://127.0.0.1:5');
  });

  it('accepts every worker reply type', () => {
    const b = new BatchBuilder<FromWorker>();
    b.messages.push({ t: 'ready', pid: 1 });
    b.messages.push({
      t: 'ok',
      id: 2,
      value: b.value(encodeValue(5, { copyFrames: false, refs: 'keep' })),
    });
    b.messages.push({
      t: 'err',
      id: 3,
      error: { kind: 'remote', name: 'TypeError', message: 'm', stack: 's' },
    });
    expect(parseFromWorker(b.finish()).messages.length).toBe(3);
  });
});
