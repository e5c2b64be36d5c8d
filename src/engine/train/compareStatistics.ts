import { Random } from './random';

export interface Spread {
  mean: number;
  /** sample standard deviation (n - 1); 0 for a single value */
  sd: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const n = values.length;
  if (n === 0) throw new Error('no values to summarise');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/** Sign assignments enumerated exactly up to this many pairs; beyond, a seeded sample of them. */
const EXACT_UP_TO = 16;
const SAMPLED = 65_536;

/**
 * Two-sided paired sign-flip permutation test of a mean difference: under the null hypothesis
 * each pair's difference is as likely negative as positive, so every sign assignment is equally
 * likely; p is the share of them whose |mean| reaches the observed one. Exact for up to 16 pairs
 * (with n pairs the smallest possible p is 2 / 2^n: 0.25 for three cases), no normality assumed.
 */
export function pairedPermutationTest(a: number[], b: number[]): number {
  if (a.length !== b.length || a.length === 0)
    throw new Error('a paired test needs the same cases, at least one, on both sides');
  const d = a.map((v, n) => v - b[n]);
  const observed = Math.abs(d.reduce((s, v) => s + v, 0));
  // a relative tolerance, so that float rounding of equal sums does not decide
  const reaches = (sum: number) => Math.abs(sum) >= observed - 1e-12 * (1 + observed);
  let hits = 0;
  let total = 0;
  if (d.length <= EXACT_UP_TO) {
    for (let mask = 0; mask < 2 ** d.length; mask++, total++) {
      let sum = 0;
      for (let n = 0; n < d.length; n++) sum += mask & (1 << n) ? -d[n] : d[n];
      if (reaches(sum)) hits++;
    }
  } else {
    const rng = new Random(d.length);
    for (; total < SAMPLED; total++) {
      let sum = 0;
      for (const v of d) sum += rng.next() < 0.5 ? -v : v;
      if (reaches(sum)) hits++;
    }
    // the observed assignment counts once more, so that p is never 0
    return (hits + 1) / (total + 1);
  }
  return hits / total;
}
