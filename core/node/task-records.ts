/**
 * What the task scheduler keeps per task and per task worker, and the keys it groups them by
 * (resource shape, definition site), made once per options object or site.
 */
import type { DefinitionSite } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ResolvedTaskOptions, ResourceRequest } from '../options.js';
import type { Grant } from '../resources.js';
import type { WireSite } from './protocol.js';
import type { WorkerProcess } from './worker-pool.js';

/** Tasks of one resource shape sent ahead to one busy worker. */
export const PIPELINE_MAX_DEPTH = 256;
/** Pipeline depth of a function not measured yet. */
export const PIPELINE_DEFAULT_DEPTH = 16;
/** Work (by measured run time) queued ahead on one busy worker. */
export const PIPELINE_TARGET_MS = 8;
export interface TaskRecord {
  readonly id: number;
  readonly site: DefinitionSite;
  readonly args: EncodedValue;
  readonly options: ResolvedTaskOptions;
  /** The resource shape, e.g. `CPU=1`. */
  readonly key: string;
  /** `moduleUrl#exportName`, to learn the function's run time. */
  readonly siteKey: string;
  attempts: number;
  dispatchedAtMs: number;
}

export interface TaskWorker {
  readonly proc: WorkerProcess;
  ready: boolean;
  /** Runs a task with a time limit: nothing is queued behind it (it may be killed). */
  exclusive: boolean;
  /** Asked to hand back its queued tasks (its running task is late): nothing more is queued on it. */
  stealSent: boolean;
  /** Waiting in `get` inside a task: its CPU is lent to other tasks and nothing is queued on it. */
  blocked: boolean;
  grant: Grant | undefined;
  leaseKey: string;
  readonly inflight: Map<number, TaskRecord>;
  lastReplyAtMs: number;
}

const keyOf = (r: ResourceRequest): string =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Resource shapes by resolved options object (a remote function resolves its options once). */
const shapeKeys = new WeakMap<ResolvedTaskOptions, string>();
export const shapeOf = (options: ResolvedTaskOptions): string => {
  let key = shapeKeys.get(options);
  if (key === undefined) {
    key = keyOf(options.resources);
    shapeKeys.set(options, key);
  }
  return key;
};

/** Per definition site: its `moduleUrl#exportName` key and wire form, made once. */
const siteForms = new WeakMap<DefinitionSite, { readonly key: string; readonly wire: WireSite }>();
export const siteFormOf = (site: DefinitionSite): { readonly key: string; readonly wire: WireSite } => {
  let form = siteForms.get(site);
  if (form === undefined) {
    form = { key: `${site.moduleUrl}#${site.exportName}`, wire: [site.moduleUrl, site.exportName] };
    siteForms.set(site, form);
  }
  return form;
};
