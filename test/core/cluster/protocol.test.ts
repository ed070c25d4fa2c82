import { describe, expect, it } from 'vitest';
import {
  checkFromHead,
  checkToHead,
  DEFAULT_FRAME_LIMITS,
  packClusterMessage,
  parseClusterMessage,
  type ToHead,
} from '../../../core/cluster/protocol.js';
import { packr } from '../../../core/codec.js';

const load = { resourcesUsed: { CPU: 1 }, numActors: 0, numQueuedTasks: 2, objectStoreBytes: 10 };
const parse = (frames: Uint8Array[]) => parseClusterMessage(frames, checkToHead);
const raw = (m: Record<string, unknown>) => [packr.pack({ v: 1, ...m })];

describe('cluster protocol v1', () => {
  it('round-trips every message to the head', () => {
    const messages: ToHead[] = [
      { t: 'register', node: { nodeId: 'n-1', host: '10.0.0.2', pid: 42, resources: { CPU: 4, GPU: 1 } } },
      { t: 'heartbeat', nodeId: 'n-1', seq: 3, load },
      { t: 'leave', nodeId: 'n-1' },
      { t: 'status', req: 1 },
      { t: 'stop', req: 2 },
      { t: 'put-package', req: 3, hash: 'ab'.repeat(32) },
      { t: 'get-package', req: 4, hash: '0f'.repeat(32) },
      {
        t: 'name-actor',
        entry: { name: 'ps', driverId: 'driver-1', actorId: 3, nodeId: 'n-1', exportName: 'ParamServer' },
      },
      { t: 'unname-actor', driverId: 'driver-1', name: 'ps' },
    ];
    for (const m of messages) expect(parse(packClusterMessage(m)).message).toEqual(m);
  });

  it('round-trips messages from the head and keeps payload frames', () => {
    const frames = packClusterMessage(
      { t: 'welcome', nodeId: 'n', headId: 'h', heartbeatMs: 500, deadAfterMs: 3000 },
      [new Uint8Array(3)],
    );
    const parsed = parseClusterMessage(frames, checkFromHead);
    expect(parsed.message).toMatchObject({ t: 'welcome', deadAfterMs: 3000 });
    expect(parsed.payload.length).toBe(1);
  });

  it('checks named actor entries, naming the bad field', () => {
    const entry = { name: 'ps', driverId: 'driver-1', actorId: 3, nodeId: 'n-1', exportName: 'ParamServer' };
    const named = (e: Record<string, unknown>) => () => parse(raw({ t: 'name-actor', entry: e }));
    expect(named({ ...entry, name: '' })).toThrow(/name must be a string of 1-200 characters/);
    expect(named({ ...entry, exportName: 'x; y' })).toThrow(/exportName must be a JavaScript identifier/);
    expect(named({ ...entry, actorId: -1 })).toThrow(/actorId/);
    const table = (names: unknown) => () =>
      parseClusterMessage(
        raw({ t: 'nodes', headId: 'h', uptimeMs: 1, deadAfterMs: 2, nodes: [], names }),
        checkFromHead,
      );
    expect(table([entry])().message).toMatchObject({ names: [entry] });
    expect(table('x')).toThrow(/names must be an array/);
  });

  it('rejects garbage, truncated and empty frames', () => {
    expect(() => parse([new Uint8Array([0xc1, 0xff, 0x00])])).toThrow(/not msgpack|must be an object/);
    const whole = packClusterMessage({ t: 'heartbeat', nodeId: 'n', seq: 1, load })[0] as Uint8Array;
    expect(() => parse([whole.subarray(0, whole.length - 5)])).toThrow(/ProtocolViolation|not msgpack|must/);
    expect(() => parse([])).toThrow(/empty message/);
    expect(() => parse([packr.pack('just a string')])).toThrow(/header must be an object/);
  });

  it('rejects oversized headers, messages and too many frames', () => {
    const limits = { ...DEFAULT_FRAME_LIMITS, maxMessageBytes: 1000, maxHeaderBytes: 100 };
    expect(() => parseClusterMessage([new Uint8Array(200)], checkToHead, limits)).toThrow(
      /header of 200 bytes/,
    );
    expect(() => parseClusterMessage([new Uint8Array(10), new Uint8Array(995)], checkToHead, limits)).toThrow(
      /message of 1005 bytes \(at most 1000\)/,
    );
    expect(() => parse(Array.from({ length: 5 }, () => new Uint8Array(1)))).toThrow(/5 frames \(at most 4\)/);
  });

  it('rejects another version and bad fields, naming them', () => {
    expect(() => parse([packr.pack({ v: 2, t: 'leave', nodeId: 'n' })])).toThrow(/protocol version 2/);
    expect(() => parse(raw({ t: 'dance' }))).toThrow(/message type "dance"/);
    expect(() => parse(raw({ t: 'get-package', req: 1, hash: '../../etc/passwd' }))).toThrow(
      /hash must be 64/,
    );
    expect(() => parse(raw({ t: 'put-package', req: 1, hash: 'AB'.repeat(32) }))).toThrow(/hash must be 64/);
    expect(() => parse(raw({ t: 'leave', nodeId: '../etc' }))).toThrow(/nodeId must be/);
    expect(() => parse(raw({ t: 'heartbeat', nodeId: 'n', seq: -1, load }))).toThrow(
      /seq must be an integer/,
    );
    expect(() =>
      parse(
        raw({ t: 'heartbeat', nodeId: 'n', seq: 1, load: { ...load, resourcesUsed: { CPU: Number.NaN } } }),
      ),
    ).toThrow(/load.resourcesUsed.CPU must be a finite number/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`r${i}`, 1]));
    expect(() =>
      parse(raw({ t: 'register', node: { nodeId: 'n', host: 'h', pid: 1, resources: many } })),
    ).toThrow(/65 entries/);
    expect(() =>
      parse(raw({ t: 'register', node: { nodeId: 'n', host: '', pid: 1, resources: {} } })),
    ).toThrow(/node.host/);
  });
});
