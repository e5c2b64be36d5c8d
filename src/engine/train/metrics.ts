/** Overlap of a predicted labelmap with the truth, per class (index 0, the background, excluded from the means). */
export interface SegmentationMetrics {
  dice: number[];
  iou: number[];
  meanDice: number;
  meanIou: number;
}

export function segmentationMetrics(
  predicted: Uint8Array,
  truth: Uint8Array,
  classes: number,
): SegmentationMetrics {
  const inter = new Float64Array(classes);
  const pred = new Float64Array(classes);
  const real = new Float64Array(classes);
  for (let n = 0; n < truth.length; n++) {
    pred[predicted[n]]++;
    real[truth[n]]++;
    if (predicted[n] === truth[n]) inter[truth[n]]++;
  }
  // A class absent from both counts as perfect: nothing to find, nothing found.
  const dice = Array.from(inter, (i, c) => (pred[c] + real[c] ? (2 * i) / (pred[c] + real[c]) : 1));
  const iou = Array.from(inter, (i, c) =>
    pred[c] + real[c] - i ? i / (pred[c] + real[c] - i) : 1,
  );
  const mean = (values: number[]) =>
    values.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, classes - 1);
  return { dice, iou, meanDice: mean(dice), meanIou: mean(iou) };
}
