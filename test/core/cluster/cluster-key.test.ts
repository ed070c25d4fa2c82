import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateClusterKey,
  publicKeyOf,
  readClusterKeyFile,
  writeClusterKeyFile,
} from '../../../core/cluster/cluster-key.js';
import { z85Decode, z85Encode } from '../../../core/cluster/z85.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('z85', () => {
  it('matches the spec test vector (rfc.zeromq.org/spec/32)', () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect(z85Decode('HelloWorld')).toEqual(bytes);
  });

  it('rejects text that is not z85', () => {
    expect(z85Decode('Hello')).toBeDefined();
    expect(z85Decode('Hell')).toBeUndefined();
    expect(z85Decode('Hell~')).toBeUndefined();
    expect(z85Decode('#####')).toBeUndefined(); // 84 * 85^4 + ... > 2^32
  });
});

describe('cluster key file', () => {
  it('derives the public key zeromq generated from the secret', () => {
    const key = generateClusterKey();
    expect(publicKeyOf(key.secretKey)).toBe(key.publicKey);
    expect(publicKeyOf(generateClusterKey().secretKey)).not.toBe(key.publicKey);
  });

  it('round-trips owner-only', () => {
    const key = generateClusterKey();
    const path = join(dir, 'a.key');
    writeClusterKeyFile(path, key);
    expect(readClusterKeyFile(path)).toEqual(key);
  });

  it('refuses a file others can read, naming the fix', () => {
    const path = join(dir, 'b.key');
    writeClusterKeyFile(path, generateClusterKey());
    chmodSync(path, 0o644);
    expect(() => readClusterKeyFile(path)).toThrow(/readable by group or others.*chmod 600/);
  });

  it('refuses edited, mixed-up or malformed files, naming the field', () => {
    const path = join(dir, 'c.key');
    const a = generateClusterKey();
    const b = generateClusterKey();
    const write = (v: unknown): void => {
      writeFileSync(path, typeof v === 'string' ? v : JSON.stringify(v), { mode: 0o600 });
    };
    write({ tsrlClusterKey: 1, publicKey: b.publicKey, secretKey: a.secretKey });
    expect(() => readClusterKeyFile(path)).toThrow(/publicKey does not belong to secretKey/);
    write({ tsrlClusterKey: 2, ...a });
    expect(() => readClusterKeyFile(path)).toThrow(/tsrlClusterKey must be 1 \(got 2\)/);
    write({ tsrlClusterKey: 1, publicKey: a.publicKey, secretKey: 'short' });
    expect(() => readClusterKeyFile(path)).toThrow(/secretKey must be a 40-character Z85 CURVE key/);
    write('not json');
    expect(() => readClusterKeyFile(path)).toThrow(/not JSON/);
    expect(() => readClusterKeyFile(join(dir, 'missing.key'))).toThrow(/cannot read it/);
    expect(readFileSync(path, 'utf8')).toBe('not json');
  });
});
