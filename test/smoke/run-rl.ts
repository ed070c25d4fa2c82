/**
 * Runs the `rl` CLI in-process with the wiring of bin/main.ts (the algorithms and bench suites), its
 * output captured, for the smoke and example tests.
 */
import { Writable } from 'node:stream';
import { createWiring } from '../../bin/main.js';
import { runCli } from '../../rl/cli/program.js';

/** A Writable that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** What one `rl` invocation returned and printed. */
export interface RlOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rl <args>` in this process (as `node bin/rl.js <args>` would) and returns its exit code and output. */
export async function runRl(args: readonly string[]): Promise<RlOutcome> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['node', 'rl', ...args], createWiring({ stdout, stderr }));
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Formats an outcome for an assertion message. */
export function describeOutcome(args: readonly string[], outcome: RlOutcome): string {
  return `rl ${args.join(' ')} exited ${outcome.code}\nstdout:\n${outcome.stdout.slice(-2000)}\nstderr:\n${outcome.stderr.slice(-2000)}`;
}
