/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed by .ci/run) driven by
 * playwright-core, which downloads no browser of its own. `TSRL_CHROMIUM` overrides the binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Where browser tests save screenshots for a person to look at (gitignored). */
export const ARTIFACTS_DIR = new URL('../../test-artifacts/', import.meta.url).pathname;

/** Launches headless Chromium. @throws Error naming the fix when no binary is found. */
export async function launchChromium(): Promise<Browser> {
  const candidates = [process.env['TSRL_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const executablePath = candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
  if (executablePath === undefined) {
    throw new Error(
      'no Chromium found for the browser tests: apt-get install chromium (.ci/run does), or set TSRL_CHROMIUM.',
    );
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/** Serves the files of `dir` on 127.0.0.1 (an ephemeral port); close it when done. */
export async function serveDirectory(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^\/+/,
      '',
    );
    if (path.startsWith('..')) {
      res.writeHead(403).end();
      return;
    }
    readFile(join(dir, path === '' ? 'index.html' : path)).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
