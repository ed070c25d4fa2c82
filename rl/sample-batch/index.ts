/** Columnar sample batches and the one column vocabulary. */
export {
  allocColumn,
  COLUMN_ARRAY_TYPES,
  type ColumnArray,
  type ColumnDtype,
  type ColumnName,
  Columns,
} from './columns.js';
export { type MinibatchOptions, permutation, SampleBatch, type SampleBatchPlain } from './sample-batch.js';
