import { Random } from '../../engine/train/random';

export interface Split<T> {
  train: T[];
  validation: T[];
  /** one case is all there is: it validates on what it trained on */
  validatesOnTraining: boolean;
}

/**
 * A train / validation split that depends only on the cases' ids and the seed (not on the order
 * they were picked in): about `share` of them validate, at least one when there are two or more,
 * and at least one always trains.
 */
export function splitCases<T>(cases: T[], idOf: (c: T) => string, seed: number, share: number) {
  const sorted = [...cases].sort((a, b) => idOf(a).localeCompare(idOf(b)));
  if (sorted.length < 2) {
    return { train: sorted, validation: sorted, validatesOnTraining: true } satisfies Split<T>;
  }
  const shuffled = new Random(seed).shuffle(sorted);
  const count = Math.min(sorted.length - 1, Math.max(1, Math.round(sorted.length * share)));
  return {
    train: shuffled.slice(count),
    validation: shuffled.slice(0, count),
    validatesOnTraining: false,
  } satisfies Split<T>;
}
