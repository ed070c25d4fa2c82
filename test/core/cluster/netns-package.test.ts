/**
 * Code across machines between namespaced hosts: host 1 packs and uploads a job directory to the head
 * on host 0; host 2 fetches it by hash into its cache and gets the same files (node_modules left out).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab, netnsUnavailable, nodeCommand } from '../../../bench/netns-lab.js';
import { generateClusterKey, writeClusterKeyFile } from '../../../core/cluster/cluster-key.js';

const unavailable = netnsUnavailable();
const RL = fileURLToPath(new URL('../../../bin/rl.js', import.meta.url));
const client = new URL('./fixtures/package-client.ts', import.meta.url);

describe.skipIf(unavailable !== undefined)(
  `code packages across namespaced hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: NetnsLab;
    const root = mkdtempSync(join(tmpdir(), 'tsrl-netns-pkg-'));
    const keyFile = join(root, 'cluster.key');
    const job = join(root, 'job');

    beforeAll(() => {
      writeClusterKeyFile(keyFile, generateClusterKey());
      mkdirSync(join(job, 'lib'), { recursive: true });
      mkdirSync(join(job, 'node_modules', 'dep'), { recursive: true });
      writeFileSync(join(job, 'main.ts'), 'export const answer = 42;\n');
      writeFileSync(join(job, 'lib', 'env.ts'), 'export const steps = 500;\n');
      writeFileSync(join(job, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
      lab = NetnsLab.create(3);
    });
    afterAll(() => {
      lab?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    it('uploads from one host and fetches into the cache of another', async () => {
      const h0 = lab.hosts[0];
      if (h0 === undefined) throw new Error('lab');
      const env = { TSRL_CLUSTER_DIR: join(root, 'head-state') };
      const head = lab.run(
        0,
        [
          process.execPath,
          RL,
          'cluster',
          'start',
          '--head',
          '--block',
          '--bind',
          h0.address,
          '--port',
          '0',
          '--key-file',
          keyFile,
        ],
        env,
      );
      const address = /listening on (\S+)/.exec(await head.line(/^cluster head listening on /))?.[1] ?? '';
      const up = lab.run(1, [...nodeCommand(client), 'upload', address, keyFile, job]);
      const hash = (await up.line(/^hash [0-9a-f]{64}$/)).split(' ')[1] ?? '';
      const cache = join(root, 'host2-cache');
      const fetch = lab.run(2, [...nodeCommand(client), 'fetch', address, keyFile, hash, cache]);
      const dir = (await fetch.line(/^dir /)).slice('dir '.length);
      expect(dir).toBe(join(cache, hash));
      expect(readFileSync(join(dir, 'main.ts'), 'utf8')).toBe('export const answer = 42;\n');
      expect(readFileSync(join(dir, 'lib', 'env.ts'), 'utf8')).toBe('export const steps = 500;\n');
      expect(() => readFileSync(join(dir, 'node_modules', 'dep', 'index.js'))).toThrow(/ENOENT/);
      head.kill();
      expect(await head.exited).toBe(0);
    });
  },
);
