/**
 * `init({ address })`: joins a driver to a cluster. Reads the cluster key (needed unless the head is
 * on loopback without CURVE), packs the job's working directory and uploads it once, waits for the
 * head's first node table, and returns the driver's backend.
 */
import { resolve } from 'node:path';
import { parseHostPort } from './bind-policy.js';
import { ClusterBackend } from './cluster-backend.js';
import { readClusterKeyFile } from './cluster-key.js';
import { packDirectory } from './code-package.js';
import { DriverLink } from './driver-link.js';
import { uploadPackage } from './head-request.js';
import type { FromHead } from './protocol.js';

/** What a driver joins with. */
export interface JoinOptions {
  /** `HOST:PORT` of the head. */
  readonly address: string;
  /** The cluster key file; undefined connects without CURVE (a loopback head started without a key). */
  readonly keyFile: string | undefined;
  /** The job's working directory, shipped to the nodes. */
  readonly workingDir: string;
  /** Names left out of the package. @default node_modules, .git */
  readonly excludes?: readonly string[];
  /** Give up when the head is silent this long. */
  readonly headTimeoutMs: number;
  readonly objectStoreMemoryBytes: number;
  readonly spillDirectory: string | undefined;
}

/** Joins; @throws Error naming what failed (address, key file, package, no head answering) */
export async function joinCluster(opts: JoinOptions): Promise<ClusterBackend> {
  const head = parseHostPort(opts.address, 'init.address');
  const key = opts.keyFile === undefined ? undefined : readClusterKeyFile(opts.keyFile);
  const jobRoot = resolve(opts.workingDir);
  const pkg = packDirectory(jobRoot, opts.excludes === undefined ? {} : { excludes: opts.excludes });
  let backend: ClusterBackend | undefined;
  let firstNodes: Extract<FromHead, { t: 'nodes' }> | undefined;
  let lostEarly: Error | undefined;
  const link = new DriverLink(head, key, opts.headTimeoutMs, {
    nodes: (m) => {
      if (backend === undefined) firstNodes = m;
      else backend.onNodes(m);
    },
    fromNode: (nodeId, frame) => backend?.onFromNode(nodeId, frame),
    nodeGone: (nodeId) => backend?.onNodeGone(nodeId),
    jobEnded: (reason) => backend?.onJobEnded(reason),
    lost: (error) => {
      if (backend === undefined) lostEarly = error;
      else backend.onLost(error);
    },
  });
  try {
    while (firstNodes === undefined) {
      if (lostEarly !== undefined) throw lostEarly;
      await new Promise((r) => setTimeout(r, 20));
    }
    await uploadPackage(head, key, pkg, opts.headTimeoutMs);
  } catch (err) {
    await link.leave();
    throw err;
  }
  backend = new ClusterBackend({
    link,
    packageHash: pkg.hash,
    jobRoot,
    objectStoreMemoryBytes: opts.objectStoreMemoryBytes,
    spillDirectory: opts.spillDirectory,
    reupload: () => uploadPackage(head, key, pkg, opts.headTimeoutMs),
  });
  backend.onNodes(firstNodes);
  return backend;
}
