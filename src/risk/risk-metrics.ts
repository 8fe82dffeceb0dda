/** How well predicted probabilities match outcomes: discrimination (AUC) and calibration. */
export interface ReliabilityBin {
  decile: number;
  visits: number;
  meanPredicted: number;
  observedRate: number;
}

/**
 * Area under the ROC curve: the chance a random no-show was scored above a random attended
 * visit (ties count half), by the rank-sum (Mann-Whitney) formula. Null without both outcomes.
 */
export function auc(predicted: ArrayLike<number>, outcome: ArrayLike<number>): number | null {
  const n = predicted.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a] - predicted[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && predicted[order[j + 1]] === predicted[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++) {
      if (outcome[order[m]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared difference between predicted probability and outcome (0 best). */
export function brierScore(
  predicted: ArrayLike<number>,
  outcome: ArrayLike<number>,
): number | null {
  if (predicted.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) sum += (predicted[i] - outcome[i]) ** 2;
  return sum / predicted.length;
}

/** Visits sorted by predicted risk in ten groups of (nearly) equal size: predicted vs observed. */
export function reliabilityDeciles(
  predicted: ArrayLike<number>,
  outcome: ArrayLike<number>,
): ReliabilityBin[] {
  const n = predicted.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a] - predicted[b]);
  const bins: ReliabilityBin[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    if (to <= from) continue;
    let p = 0;
    let y = 0;
    for (let i = from; i < to; i++) {
      p += predicted[order[i]];
      y += outcome[order[i]];
    }
    bins.push({
      decile: d + 1,
      visits: to - from,
      meanPredicted: p / (to - from),
      observedRate: y / (to - from),
    });
  }
  return bins;
}
