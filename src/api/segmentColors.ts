/**
 * The colours segments get when nothing chose one, in order: the editor's new segments, a NIfTI
 * labelmap imported without a label table and an export all give segment n the same colour.
 */
const SEGMENT_COLORS: readonly (readonly [number, number, number])[] = [
  [230, 60, 60],
  [60, 180, 75],
  [70, 130, 240],
  [255, 200, 40],
  [240, 50, 230],
  [70, 220, 220],
  [245, 130, 48],
  [145, 30, 180],
  [210, 245, 60],
  [250, 190, 212],
];

/** The default colour of the n-th segment (0-based), repeating after ten. */
export function defaultSegmentColor(n: number): [number, number, number] {
  const [r, g, b] = SEGMENT_COLORS[n % SEGMENT_COLORS.length];
  return [r, g, b];
}
