import type { Dims3 } from '../inference/patchGrid';
import type { Random } from './random';
import type { PreparedCase } from './TrainingCase';

export interface Augmentation {
  /** share of patches centred on a foreground voxel */
  foregroundShare: number;
  /** largest in-plane rotation, radians, either way */
  maxRotation: number;
  /**
   * axes to mirror along, each with probability 1/2 (0 slice, 1 row, 2 column); leave out an
   * axis across which classes are lateral (left/right structures), or mirroring swaps them
   */
  flipAxes: (0 | 1 | 2)[];
  /** intensity scale drawn from [1 - s, 1 + s] and shift from [-t, t] */
  intensityScale: number;
  intensityShift: number;
}

export const DEFAULT_AUGMENTATION: Augmentation = {
  foregroundShare: 0.33,
  maxRotation: (15 * Math.PI) / 180,
  flipAxes: [0, 1, 2],
  intensityScale: 0.1,
  intensityShift: 0.1,
};

function startAround(centre: number, patch: number, size: number, rng: Random): number {
  // Anywhere that keeps the centre voxel inside the patch, and the patch inside the volume if it fits.
  const lo = Math.max(0, centre - patch + 1);
  const hi = Math.min(centre, Math.max(0, size - patch));
  return hi >= lo
    ? lo + rng.int(hi - lo + 1)
    : Math.max(0, Math.min(centre - (patch >> 1), size - patch));
}

/**
 * One training patch: centred on foreground for a share of draws, else anywhere; rotated in
 * plane (bilinear image, nearest labels), mirrored and intensity-jittered. Outside the volume
 * the image is 0 and the label background.
 */
export function samplePatch(
  c: PreparedCase,
  patch: Dims3,
  rng: Random,
  aug: Augmentation,
  image: Float32Array,
  labels: Uint8Array,
  offset: number,
): void {
  const [d, h, w] = c.dims;
  let start: Dims3;
  if (c.foreground.length && rng.next() < aug.foregroundShare) {
    const v = c.foreground[rng.int(c.foreground.length)];
    const centre = [Math.floor(v / (h * w)), Math.floor(v / w) % h, v % w];
    start = [0, 1, 2].map((a) => startAround(centre[a], patch[a], c.dims[a], rng)) as Dims3;
  } else {
    start = [0, 1, 2].map((a) => rng.int(Math.max(1, c.dims[a] - patch[a] + 1))) as Dims3;
  }
  const angle = aug.maxRotation ? rng.uniform(-aug.maxRotation, aug.maxRotation) : 0;
  const flips = ([0, 1, 2] as const).map((a) => aug.flipAxes.includes(a) && rng.next() < 0.5);
  const scale = 1 + rng.uniform(-aug.intensityScale, aug.intensityScale);
  const shift = rng.uniform(-aug.intensityShift, aug.intensityShift);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const [cy, cx] = [(patch[1] - 1) / 2, (patch[2] - 1) / 2];

  for (let z = 0; z < patch[0]; z++) {
    const sz = start[0] + z;
    for (let y = 0; y < patch[1]; y++)
      for (let x = 0; x < patch[2]; x++) {
        const sy = start[1] + cy + cos * (y - cy) - sin * (x - cx);
        const sx = start[2] + cx + sin * (y - cy) + cos * (x - cx);
        const oz = flips[0] ? patch[0] - 1 - z : z;
        const oy = flips[1] ? patch[1] - 1 - y : y;
        const ox = flips[2] ? patch[2] - 1 - x : x;
        const out = offset + (oz * patch[1] + oy) * patch[2] + ox;
        const ny = Math.round(sy);
        const nx = Math.round(sx);
        labels[out] =
          sz < d && ny >= 0 && ny < h && nx >= 0 && nx < w ? c.labels[(sz * h + ny) * w + nx] : 0;
        image[out] = scale * bilinear(c, sz, sy, sx) + shift;
      }
  }
}

function bilinear(c: PreparedCase, z: number, y: number, x: number): number {
  const [d, h, w] = c.dims;
  if (z >= d || y <= -1 || x <= -1 || y >= h || x >= w) return 0;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const at = (j: number, i: number) =>
    j >= 0 && j < h && i >= 0 && i < w ? c.image[(z * h + j) * w + i] : 0;
  return (
    (at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx) * (1 - fy) +
    (at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx) * fy
  );
}
