/**
 * docs/env-protocol.md says what the code does: every request type, reply type, error code and header
 * field of envs/remote/protocol.ts is documented; the worked example's bytes are the msgpack of the
 * headers shown beside them; and its "client in 25 lines of Python" steps a server in this repository.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unpack } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/builtin/index.js';
import { FIELDS, REPLY_FOR, SERVER_ERROR_CODES } from '../../envs/remote/protocol.js';
import { serveEnv } from '../../envs/remote/serve-env.js';
import { freshAddress, PYTHON, pythonMissing, REPO } from '../envs/remote/server-process.js';

const DOC = readFileSync(join(REPO, 'docs/env-protocol.md'), 'utf8');
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('docs/env-protocol.md', () => {
  it('has a section for every request and its reply', () => {
    for (const [request, reply] of Object.entries(REPLY_FOR)) {
      expect(DOC, `### ${request} -> ${reply}`).toContain(`### ${request} -> ${reply}\n`);
    }
    expect(DOC).toContain('### error\n');
  });

  it('documents every error code in its table, and every header field', () => {
    for (const code of SERVER_ERROR_CODES) expect(DOC, code).toMatch(new RegExp(`\\n\\| \`${code}\` \\|`));
    for (const field of Object.values(FIELDS)) expect(DOC, field).toContain(`\`${field}\``);
  });

  it("shows bytes that are the msgpack of the worked example's headers", () => {
    // A `frame 0: {...}` line followed by `bytes:` lines (hex, continued on indented lines).
    const examples = [...DOC.matchAll(/frame 0: (\{[^\n]*\})\n\s+bytes:\s+((?:[0-9a-f]{2}[ \n]+)+)/g)];
    expect(examples.length).toBe(2);
    for (const [, json, hex] of examples) {
      const bytes = Buffer.from(hex!.replace(/\s+/g, ''), 'hex');
      expect(unpack(bytes)).toEqual(JSON.parse(json!));
    }
  });

  const missing = pythonMissing();
  it.skipIf(missing !== undefined)(
    `its Python client steps CartPole-v1 served by rl env serve's serveEnv${missing === undefined ? '' : ` (skipped: ${missing})`}`,
    async () => {
      const block = /### A client in 25 lines of Python\n\n```python\n([\s\S]*?)```/.exec(DOC)?.[1];
      expect(block).toBeDefined();
      expect(block!.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(25);
      const server = await serveEnv({ id: 'CartPole-v1', address: freshAddress('ipc'), numEnvs: 2 });
      closers.push(() => server.close());
      const code = `${block!.replace('tcp://127.0.0.1:5555', server.address)}\nprint("ok", n)\n`;
      const { stdout } = await promisify(execFile)(PYTHON, ['-c', code], { timeout: 30_000 });
      expect(stdout.trim().split('\n').pop()).toBe('ok 2');
    },
    60_000,
  );
});
