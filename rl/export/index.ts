/** Policies for other runtimes (`rl export`): TensorFlow.js Layers models and a page that runs them. */
export {
  type ExportedPolicyInfo,
  type ExportTfjsOptions,
  type ExportTfjsResult,
  exportTfjs,
} from './export-tfjs.js';
