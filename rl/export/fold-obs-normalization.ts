/**
 * Folds `env.normalizeObservations` into an exported network, so that it takes raw observations:
 * the first layer sees z = (x - mean) / std, std = sqrt(var + epsilon), and
 * z W + b = x (W / std) + (b - (mean / std) W), row i of W divided by std_i. Computed in float64.
 */
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { DenseNetwork } from '../algorithm.js';
import { OBS_NORM_EPSILON } from '../env-runner/normalize-vector-observation.js';

/**
 * The network with the statistic folded into its first layer.
 * @throws RangeError when the statistic's size is not the network's input size, or it has no layers.
 */
export function foldObsNormalization(net: DenseNetwork, stat: RunningMeanStdState): DenseNetwork {
  const first = net.layers[0];
  if (first === undefined || stat.mean.length !== first.fanIn || stat.var.length !== first.fanIn) {
    throw new RangeError(
      `foldObsNormalization: the statistic has ${stat.mean.length} values; the first layer takes ${String(first?.fanIn)}.`,
    );
  }
  const { fanIn, fanOut } = first;
  const kernel = new Float32Array(fanIn * fanOut);
  const bias = Float64Array.from(first.bias);
  for (let i = 0; i < fanIn; i++) {
    const std = Math.sqrt(stat.var[i]! + OBS_NORM_EPSILON);
    const shift = stat.mean[i]! / std;
    for (let j = 0; j < fanOut; j++) {
      const w = first.kernel[i * fanOut + j]!;
      kernel[i * fanOut + j] = w / std;
      bias[j] = bias[j]! - shift * w;
    }
  }
  return { ...net, layers: [{ ...first, kernel, bias: Float32Array.from(bias) }, ...net.layers.slice(1)] };
}
