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
  // Code-unit order, not localeCompare: the same on every machine and locale.
  const sorted = [...cases].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
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

/**
 * `splitCases` over images rather than cases: the cases of one image (two segmentations of a
 * series, or the open case and a library case of it) fall on one side together, never on both,
 * so validation never sees a series that trained. With one image, it validates on what it trains.
 */
export function splitByImage<T>(
  cases: T[],
  imageOf: (c: T) => string,
  idOf: (c: T) => string,
  seed: number,
  share: number,
): Split<T> {
  const images = new Map<string, T[]>();
  for (const c of cases) {
    const key = imageOf(c);
    const same = images.get(key);
    if (same) same.push(c);
    else images.set(key, [c]);
  }
  const split = splitCases([...images.keys()], (key) => key, seed, share);
  const byId = (a: T, b: T) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0);
  const casesOf = (keys: string[]) => keys.flatMap((key) => images.get(key) ?? []).sort(byId);
  return {
    train: casesOf(split.train),
    validation: casesOf(split.validation),
    validatesOnTraining: split.validatesOnTraining,
  };
}

/** One fold of a cross-validation: its held-out test cases, the cases that select the model, the rest. */
export interface Fold<T> {
  /** 0-based repeat; its seed shuffles the folds and seeds the training */
  repeat: number;
  seed: number;
  /** 0-based fold within the repeat */
  fold: number;
  train: T[];
  /** model selection only: never the test cases */
  validation: T[];
  /** held out: never seen in training or selection */
  test: T[];
  /** one case is left besides the test fold: it validates on what it trained on */
  validatesOnTraining: boolean;
}

/**
 * k-fold cross-validation, repeated with seeds seed, seed+1, ...: the cases in order of their
 * stable key, shuffled by the repeat's seed, dealt round-robin into k folds. Each fold is held
 * out once; the next fold selects the model (with k = 2, a seeded half of the other fold does);
 * the rest train. Every list is in key order, so the plan depends on the keys and the seed only.
 */
export function crossValidationFolds<T>(
  cases: T[],
  keyOf: (c: T) => string,
  seed: number,
  folds: number,
  repeats: number,
): Fold<T>[] {
  const keys = cases.map(keyOf);
  const repeated = keys.find((k, n) => keys.indexOf(k) !== n);
  if (repeated !== undefined)
    throw new Error(`the same case is given twice (key ${repeated}): each case counts once`);
  if (!Number.isInteger(folds) || folds < 2 || folds > cases.length)
    throw new Error(`${folds} folds of ${cases.length} cases: give 2 to ${cases.length} folds`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('give at least one repeat');
  const byKey = (a: T, b: T) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
  const sorted = [...cases].sort(byKey);
  const plan: Fold<T>[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const repeatSeed = seed + repeat;
    const shuffled = new Random(repeatSeed).shuffle([...sorted]);
    const dealt = Array.from({ length: folds }, (_, f) =>
      shuffled.filter((_, n) => n % folds === f),
    );
    for (let fold = 0; fold < folds; fold++) {
      const test = dealt[fold];
      const rest = sorted.filter((c) => !test.includes(c));
      let validation: T[];
      let validatesOnTraining = false;
      if (folds >= 3) validation = dealt[(fold + 1) % folds];
      else {
        const split = splitCases(rest, keyOf, repeatSeed + fold, 0.5);
        validation = split.validation;
        validatesOnTraining = split.validatesOnTraining;
      }
      const train = validatesOnTraining ? rest : rest.filter((c) => !validation.includes(c));
      plan.push({
        repeat,
        seed: repeatSeed,
        fold,
        train: train.sort(byKey),
        validation: [...validation].sort(byKey),
        test: [...test].sort(byKey),
        validatesOnTraining,
      });
    }
  }
  return plan;
}
