import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c, TensorBoardWriter } from '../../../rl/metrics/tensorboard-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-tb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An independent protobuf reader: fields of one message as [field, wireType, value]. */
function readMessage(bytes: Uint8Array): [number, number, number | Uint8Array][] {
  const out: [number, number, number | Uint8Array][] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[i++]!;
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return result;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) {
      out.push([field, wire, view.getFloat64(i, true)]);
      i += 8;
    } else if (wire === 5) {
      out.push([field, wire, view.getFloat32(i, true)]);
      i += 4;
    } else {
      const n = varint();
      out.push([field, wire, bytes.subarray(i, i + n)]);
      i += n;
    }
  }
  return out;
}

function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const length = Number(view.getBigUint64(i, true));
    expect(view.getUint32(i + 8, true)).toBe(maskedCrc32c(bytes.subarray(i, i + 8)));
    const data = bytes.subarray(i + 12, i + 12 + length);
    expect(view.getUint32(i + 12 + length, true)).toBe(maskedCrc32c(data));
    records.push(data);
    i += 16 + length;
  }
  return records;
}

describe('crc32c', () => {
  it('matches the standard check values', () => {
    // CRC-32C check value of "123456789" (RFC 3720 / the CRC catalogue).
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 B.4: 32 bytes of zeros give 0x8A9136AA.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });
  it('masks as TFRecord does', () => {
    const crc = 0xe3069283;
    const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(expected);
  });
});

describe('TensorBoardWriter', () => {
  it('writes a file-version event then scalar events that decode back', () => {
    let clock = 1_700_000_000_000;
    const writer = new TensorBoardWriter(dir, () => clock);
    clock += 1500;
    writer.addScalars(2048, { episodeReturnMean: 21.5, 'learner.kl': 0.25, note: 'x', empty: null });
    clock += 1500;
    writer.addScalars(2 ** 40, { episodeReturnMean: 500 });
    expect(readdirSync(dir)).toEqual([writer.path.slice(dir.length + 1)]);
    expect(writer.path).toMatch(/events\.out\.tfevents\.1700000000\./);

    const records = readRecords(new Uint8Array(readFileSync(writer.path)));
    expect(records).toHaveLength(3);
    const first = readMessage(records[0]!);
    expect(first[0]).toEqual([1, 1, 1_700_000_000]);
    expect(first[1]).toEqual([2, 0, 0]);
    expect(new TextDecoder().decode(first[2]![2] as Uint8Array)).toBe('brain.Event:2');

    const second = readMessage(records[1]!);
    expect(second[0]).toEqual([1, 1, 1_700_000_001.5]);
    expect(second[1]).toEqual([2, 0, 2048]);
    expect(second[2]![0]).toBe(5);
    const values = readMessage(second[2]![2] as Uint8Array).map(([field, , v]) => {
      expect(field).toBe(1);
      const [tag, simple] = readMessage(v as Uint8Array);
      return [new TextDecoder().decode(tag![2] as Uint8Array), simple![2]];
    });
    expect(values).toEqual([
      ['episodeReturnMean', 21.5],
      ['learner/kl', 0.25],
    ]);
    expect(readMessage(records[2]!)[1]).toEqual([2, 0, 2 ** 40]);
  });

  it('rejects a bad step', () => {
    const writer = new TensorBoardWriter(join(dir, 'b'));
    expect(() => writer.addScalars(-1, {})).toThrow(
      'TensorBoardWriter.addScalars: step (-1) must be a non-negative integer.',
    );
  });
});
