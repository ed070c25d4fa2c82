/** Adam with global gradient-norm clipping, learning-rate schedules, and gradient averaging. */
export {
  Adam,
  type AdamOptions,
  type AdamState,
  type AdamStepResult,
  averageGradients,
  type LossOutput,
} from './adam.js';
export { type LrSchedule, learningRateAt, validateLrSchedule } from './lr-schedule.js';
