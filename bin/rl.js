#!/usr/bin/env node
// The `rl` command. The CLI is compiled to dist/ by `npm ci` (the `prepare` script); this shim only
// forwards to it so that `npx rl` starts in plain Node without a TypeScript loader.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('rl: dist/ is missing; run `npm run build` (npm ci runs it for you).\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
