/** Adam with global gradient-norm clipping, learning-rate schedules, gradient averaging, and statistics summed on the device. */
export {
  Adam,
  type AdamOptions,
  type AdamState,
  type AdamStep,
  averageGradients,
  type LossOutput,
  readAdamStep,
} from './adam.js';
export { DeviceStats } from './device-stats.js';
export { type LrSchedule, learningRateAt, validateLrSchedule } from './lr-schedule.js';
