/**
 * The head's code packages, in memory by hash, capped in bytes: the oldest go first when a new one
 * would pass the cap (a job uploads its package again when a node asks for one that is gone).
 */
import { sha256Hex } from './code-package.js';

/** @default 1 GiB */
export const DEFAULT_PACKAGE_STORE_BYTES = 1024 * 1024 * 1024;

/** See the module comment. */
export class PackageStore {
  private readonly packages = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_PACKAGE_STORE_BYTES) {}

  /** Stores bytes under their hash. @throws Error when they do not hash to `hash` or exceed the cap */
  put(hash: string, data: Uint8Array): void {
    const actual = sha256Hex(data);
    if (actual !== hash) throw new Error(`package bytes hash to ${actual}, not ${hash}`);
    if (data.byteLength > this.maxBytes) {
      throw new Error(`package of ${data.byteLength} bytes is over the head's ${this.maxBytes}-byte store`);
    }
    if (this.packages.has(hash)) return;
    while (this.bytes + data.byteLength > this.maxBytes) {
      const [oldest, old] = this.packages.entries().next().value ?? [];
      if (oldest === undefined || old === undefined) break;
      this.packages.delete(oldest);
      this.bytes -= old.byteLength;
    }
    this.packages.set(hash, data);
    this.bytes += data.byteLength;
  }

  /** The bytes of a package, or undefined. */
  get(hash: string): Uint8Array | undefined {
    return this.packages.get(hash);
  }

  /** How many packages and bytes are held. */
  stats(): { numPackages: number; packageBytes: number } {
    return { numPackages: this.packages.size, packageBytes: this.bytes };
  }
}
