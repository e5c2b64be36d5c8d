/** [depth, height, width] = [slices, rows, columns] */
export type Dims3 = [number, number, number];

/**
 * Start positions of patches along one axis: the first at 0, the last flush with the end, and
 * evenly spread between so neighbours overlap by at least `overlap` of a patch.
 */
export function axisStarts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [0];
  const step = Math.max(1, Math.floor(patch * (1 - overlap)));
  const count = Math.ceil((size - patch) / step) + 1;
  const span = size - patch;
  return Array.from({ length: count }, (_, n) => Math.round((n * span) / (count - 1)));
}

export function patchStarts(volume: Dims3, patch: Dims3, overlap: number): Dims3[] {
  const [zs, ys, xs] = [0, 1, 2].map((a) => axisStarts(volume[a], patch[a], overlap));
  return zs.flatMap((z) => ys.flatMap((y) => xs.map((x): Dims3 => [z, y, x])));
}
