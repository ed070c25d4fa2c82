import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { permutation, SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

function makeBatch(count: number, base = 0): SampleBatch {
  const obs = new Float32Array(count * 2);
  const actions = new Int32Array(count);
  const terminated = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    obs[2 * i] = base + i;
    obs[2 * i + 1] = -(base + i);
    actions[i] = base + i;
    terminated[i] = (base + i) % 2;
  }
  return new SampleBatch(count, { obs, actions, terminated });
}

describe('SampleBatch', () => {
  it('infers row shapes and validates column lengths against count', () => {
    const b = makeBatch(3);
    expect(b.shapes).toEqual({ obs: [2], actions: [], terminated: [] });
    expect(b.rowSize('obs')).toBe(2);
    expect(b.sizeBytes).toBe(3 * 2 * 4 + 3 * 4 + 3);
    expect(() => new SampleBatch(3, { obs: new Float32Array(7) })).toThrow(
      /column 'obs' has 7 elements, not a multiple of count \(3\)/,
    );
    expect(() => new SampleBatch(2, { img: new Uint8Array(2 * 12) }, { img: [2, 2, 2] })).toThrow(
      /column 'img' has 24 elements; expected count \(2\) x row size \(8, shape \[2, 2, 2\]\) = 16/,
    );
    expect(() => new SampleBatch(2, {}, { obs: [1] })).toThrow(
      /shapes.obs is given but there is no column 'obs'/,
    );
    expect(() => new SampleBatch(-1, {})).toThrow(/count \(-1\) must be a non-negative integer/);
  });

  it('names missing columns and wrong dtypes', () => {
    const b = makeBatch(2);
    expect(() => b.get('rewards')).toThrow(/no column 'rewards'; columns are \[obs, actions, terminated\]/);
    expect(() => b.float32('actions')).toThrow(/column 'actions' is int32, expected float32/);
    expect(b.int32(Columns.ACTIONS)).toBeInstanceOf(Int32Array);
  });

  it('concatenates row-wise and rejects mismatched columns, dtypes and shapes', () => {
    const c = SampleBatch.concat([makeBatch(2), makeBatch(0), makeBatch(3, 10)]);
    expect(c.count).toBe(5);
    expect(Array.from(c.int32('actions'))).toEqual([0, 1, 10, 11, 12]);
    expect(Array.from(c.float32('obs'))).toEqual([0, -0, 1, -1, 10, -10, 11, -11, 12, -12]);
    expect(() => SampleBatch.concat([])).toThrow(/at least one batch/);
    const other = new SampleBatch(1, {
      obs: new Float32Array(2),
      actions: new Float32Array(1),
      terminated: new Uint8Array(1),
    });
    expect(() => SampleBatch.concat([makeBatch(1), other])).toThrow(
      /column 'actions' is float32 in one batch and int32/,
    );
    const wide = new SampleBatch(1, {
      obs: new Float32Array(3),
      actions: new Int32Array(1),
      terminated: new Uint8Array(1),
    });
    expect(() => SampleBatch.concat([makeBatch(1), wide])).toThrow(
      /column 'obs' has row shape \[3\] in one batch and \[2\]/,
    );
    expect(() =>
      SampleBatch.concat([makeBatch(1), new SampleBatch(1, { obs: new Float32Array(2) })]),
    ).toThrow(/batch 1 has columns \[obs\]; batch 0 has \[actions, obs, terminated\]/);
  });

  it('slices as views sharing memory, clamping bounds', () => {
    const b = makeBatch(5);
    const s = b.slice(1, 3);
    expect(s.count).toBe(2);
    expect(Array.from(s.float32('obs'))).toEqual([1, -1, 2, -2]);
    s.int32('actions')[0] = 99;
    expect(b.int32('actions')[1]).toBe(99);
    expect(b.slice(-2).count).toBe(2);
    expect(b.slice(4, 100).count).toBe(1);
    expect(b.slice(3, 1).count).toBe(0);
  });

  it('selects rows by index (copies, repeats allowed) and rejects bad indexes', () => {
    const b = makeBatch(4);
    const s = b.select([3, 0, 3]);
    expect(Array.from(s.int32('actions'))).toEqual([3, 0, 3]);
    expect(Array.from(s.float32('obs'))).toEqual([3, -3, 0, -0, 3, -3]);
    s.int32('actions')[0] = 7;
    expect(b.int32('actions')[3]).toBe(3);
    expect(() => b.select([0, 4])).toThrow(/indexes\[1\] \(4\) must be an integer in \[0, 4\)/);
  });

  it('shuffles deterministically per seed, keeping rows intact', () => {
    const b = makeBatch(50);
    const s1 = b.shuffle(SeededRng.fromSeed(1));
    const s2 = b.shuffle(SeededRng.fromSeed(1));
    expect(Array.from(s1.int32('actions'))).toEqual(Array.from(s2.int32('actions')));
    expect(Array.from(s1.int32('actions'))).not.toEqual(Array.from(b.int32('actions')));
    expect(Array.from(s1.int32('actions')).sort((x, y) => x - y)).toEqual(Array.from(b.int32('actions')));
    const obs = s1.float32('obs');
    const act = s1.int32('actions');
    for (let i = 0; i < 50; i++) {
      expect(obs[2 * i]).toBe(act[i]);
      expect(obs[2 * i + 1]).toBe(-act[i]!);
    }
  });

  it('permutation is a permutation and changes with the seed', () => {
    const p = permutation(20, SeededRng.fromSeed(3));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from(permutation(20, SeededRng.fromSeed(4))));
    expect(permutation(0, SeededRng.fromSeed(1)).length).toBe(0);
  });

  it('iterates minibatches in order, shuffled, and with dropLast', () => {
    const b = makeBatch(10);
    const sizes = [...b.minibatches(4)].map((m) => m.count);
    expect(sizes).toEqual([4, 4, 2]);
    expect([...b.minibatches(4, { dropLast: true })].map((m) => m.count)).toEqual([4, 4]);
    const seen = [...b.minibatches(3, { rng: SeededRng.fromSeed(9) })].flatMap((m) =>
      Array.from(m.int32('actions')),
    );
    expect(seen.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => [...b.minibatches(0)]).toThrow(/minibatchSize \(0\) must be a positive integer/);
  });

  it('adds and replaces columns with withColumns', () => {
    const b = makeBatch(2).withColumns(
      { advantages: new Float32Array([1, 2]), obs: new Float32Array(6) },
      { obs: [3] },
    );
    expect(b.shapes['obs']).toEqual([3]);
    expect(b.columnNames.sort()).toEqual(['actions', 'advantages', 'obs', 'terminated']);
  });

  it('round-trips through msgpackr with typed arrays intact, also for views', () => {
    const packr = new Packr({ useRecords: false, moreTypes: true });
    const b = makeBatch(6)
      .slice(2, 5)
      .withColumns({ img: new Uint8Array(3 * 4) }, { img: [2, 2] });
    const back = SampleBatch.fromPlain(packr.unpack(packr.pack(b.toPlain())));
    expect(back.count).toBe(3);
    expect(back.float32('obs')).toBeInstanceOf(Float32Array);
    expect(Array.from(back.float32('obs'))).toEqual([2, -2, 3, -3, 4, -4]);
    expect(Array.from(back.int32('actions'))).toEqual([2, 3, 4]);
    expect(back.uint8('terminated')).toBeInstanceOf(Uint8Array);
    expect(back.shapes['img']).toEqual([2, 2]);
  });

  it('fromPlain names the fix when a default Packr turned a column into a Buffer', () => {
    const plain = new Packr().unpack(new Packr().pack(makeBatch(2).toPlain()));
    expect(() => SampleBatch.fromPlain(plain)).toThrow(/columns.obs arrived as a Buffer.*moreTypes: true/);
  });

  it('fromPlain rejects untrusted data with the field named', () => {
    expect(() => SampleBatch.fromPlain(null)).toThrow(
      /expected an object \{ count, columns, shapes\? \}, got null/,
    );
    expect(() => SampleBatch.fromPlain({ count: 1.5, columns: {} })).toThrow(
      /count \(number 1.5\) must be a non-negative integer/,
    );
    expect(() => SampleBatch.fromPlain({ count: 1, columns: [] })).toThrow(
      /columns \(an array of length 0\) must be an object/,
    );
    expect(() => SampleBatch.fromPlain({ count: 1, columns: { obs: [1, 2] } })).toThrow(
      /columns.obs must be a typed array, got an array of length 2/,
    );
    expect(() => SampleBatch.fromPlain({ count: 2, columns: { obs: new Float32Array(3) } })).toThrow(
      /column 'obs' has 3 elements, not a multiple of count \(2\)/,
    );
    expect(() =>
      SampleBatch.fromPlain({ count: 1, columns: { obs: new Float32Array(2) }, shapes: { obs: [-1] } }),
    ).toThrow(/shapes.obs \(\[-1\]\) must be an array of non-negative integers/);
  });
});
