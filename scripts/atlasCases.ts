// More real labelled MR cases from Debian's mricron-data: Colin27 (ch2bet) under each of the grey-
// matter atlases it ships, and the INIA19 macaque template under its NeuroMaps parcellation, all
// mapped to one class set so that they can train and be compared together.
import { join } from 'node:path';
import type { VolumeGeometry } from '../src/volume/geometry';
import type { TrainingCase } from '../src/engine/train/TrainingCase';
import { readNifti } from '../src/nifti/readNifti';
import type { Affine } from '../src/volume/affine';
import { blockAverage, colinCase } from './mricronCases';

const TEMPLATES = '/usr/share/mricron/templates';

/** The shared classes: the compare cases' labelmaps hold 0, 1 and 2. */
export const ATLAS_CLASSES = ['background', 'grey matter', 'other brain'] as const;

/** Colin27's grey-matter atlases in mricron-data: every nonzero label is a grey-matter region. */
export const COLIN_GREY_ATLASES = {
  aal: 'aal.nii.gz',
  'harvard-oxford-cortical': 'HarvardOxford-cort-maxprob-thr0-1mm.nii.gz',
  brodmann: 'brodmann.nii.gz',
  aicha: 'AICHAmc.nii.gz',
} as const;
export type ColinGreyAtlas = keyof typeof COLIN_GREY_ATLASES;

interface Grid {
  dims: [number, number, number];
  ras: Affine;
  voxels: ArrayLike<number>;
}

function read(name: string): Grid {
  const { volume, rasAffine } = readNifti(join(TEMPLATES, name));
  return { dims: volume.geometry.dimensions, ras: rasAffine, voxels: volume.voxels };
}

/** The inverse of an affine's 3x3 part and translation: RAS mm -> voxel index. */
function inverse(a: Affine): (p: [number, number, number]) => [number, number, number] {
  const [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2]] = a;
  const det = a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
  if (Math.abs(det) < 1e-12) throw new Error('singular voxel-to-world matrix');
  const m = [
    [(b1 * c2 - b2 * c1) / det, (a2 * c1 - a1 * c2) / det, (a1 * b2 - a2 * b1) / det],
    [(b2 * c0 - b0 * c2) / det, (a0 * c2 - a2 * c0) / det, (a2 * b0 - a0 * b2) / det],
    [(b0 * c1 - b1 * c0) / det, (a1 * c0 - a0 * c1) / det, (a0 * b1 - a1 * b0) / det],
  ];
  return (p) => {
    const q = [p[0] - a[0][3], p[1] - a[1][3], p[2] - a[2][3]];
    return [0, 1, 2].map((r) => m[r][0] * q[0] + m[r][1] * q[1] + m[r][2] * q[2]) as [
      number,
      number,
      number,
    ];
  };
}

/** The atlas label at a RAS position, nearest voxel; 0 outside the atlas's grid. */
function sampler(atlas: Grid): (ras: [number, number, number]) => number {
  const toVoxel = inverse(atlas.ras);
  const [nx, ny, nz] = atlas.dims;
  return (ras) => {
    const [i, j, k] = toVoxel(ras).map(Math.round);
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return 0;
    return atlas.voxels[(k * ny + j) * nx + i];
  };
}

const apply = (a: Affine, v: [number, number, number]): [number, number, number] =>
  [0, 1, 2].map((r) => a[r][0] * v[0] + a[r][1] * v[1] + a[r][2] * v[2] + a[r][3]) as [
    number,
    number,
    number,
  ];

/**
 * An image averaged over f^3 blocks and labelled at each block's centre by `classOf` (given the
 * centre's RAS position and the full-resolution voxel index there). The image must be axis-aligned
 * RAS (both templates are), so the block grid's geometry is the image's, scaled.
 */
function blockCase(
  id: string,
  image: Grid,
  f: number,
  classOf: (ras: [number, number, number], index: number) => number,
  scale = 1,
): TrainingCase {
  const a = image.ras;
  const aligned =
    a[0][0] > 0 &&
    a[1][1] > 0 &&
    a[2][2] > 0 &&
    [a[0][1], a[0][2], a[1][0], a[1][2], a[2][0], a[2][1]].every((v) => v === 0);
  if (!aligned) throw new Error(`${id}: expected an axis-aligned RAS image`);
  const averaged = blockAverage(image.voxels, image.dims, f);
  const [mx, my, mz] = averaged.dims;
  const [nx, ny] = image.dims;
  const labels = new Uint8Array(mx * my * mz);
  const h = f >> 1;
  for (let z = 0, n = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++, n++) {
        const ijk: [number, number, number] = [x * f + h, y * f + h, z * f + h];
        labels[n] = classOf(apply(a, ijk), (ijk[2] * ny + ijk[1]) * nx + ijk[0]);
      }
  const spacing: [number, number, number] = [
    a[0][0] * f * scale,
    a[1][1] * f * scale,
    a[2][2] * f * scale,
  ];
  // The block's centre, RAS -> LPS by negating x and y.
  const centre = apply(a, [(f - 1) / 2, (f - 1) / 2, (f - 1) / 2]).map((v) => v * scale);
  const geometry: VolumeGeometry = {
    dimensions: [mx, my, mz],
    spacing,
    origin: [-centre[0], -centre[1], centre[2]],
    direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
  };
  return { id, volume: { geometry, voxels: Int16Array.from(averaged.voxels) }, labels };
}

/**
 * Colin27 skull-stripped (ch2bet) at f mm, labelled by one grey-matter atlas: grey matter (1)
 * where the atlas has a region at the block's centre, other brain (2) elsewhere inside ch2bet's
 * mask, background (0) outside. The atlas is sampled at the same world position, whatever its
 * grid and orientation (Harvard-Oxford and AICHA are LAS, AICHA at 2 mm).
 */
export function colinAtlasCase(atlas: ColinGreyAtlas, f: number): TrainingCase {
  const image = read('ch2bet.nii.gz');
  const grey = sampler(read(COLIN_GREY_ATLASES[atlas]));
  return blockCase(`ch2bet+${atlas}@${f}mm`, image, f, (ras, index) =>
    grey(ras) ? 1 : image.voxels[index] ? 2 : 0,
  );
}

/** Otsu's threshold of values weighted by counts: the cut that best separates two groups. */
export function otsuThreshold(values: number[], weights: number[]): number {
  const order = values.map((_, i) => i).sort((p, q) => values[p] - values[q]);
  const total = weights.reduce((s, w) => s + w, 0);
  const sum = values.reduce((s, v, i) => s + v * weights[i], 0);
  let w0 = 0;
  let s0 = 0;
  let best = -1;
  let threshold = values[order[0]];
  for (let n = 0; n < order.length - 1; n++) {
    const i = order[n];
    w0 += weights[i];
    s0 += values[i] * weights[i];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (s0 / w0 - (sum - s0) / w1) ** 2;
    if (between > best) {
      best = between;
      threshold = (values[i] + values[order[n + 1]]) / 2;
    }
  }
  return threshold;
}

/**
 * INIA19's NeuroMaps regions split into grey-ish and white-ish by their T1 signal: a region is
 * white-ish when its median T1 is above Otsu's threshold of the regions' medians (weighted by
 * voxels). White matter is bright on T1, so this follows tissue; but it is a rule on the image,
 * not an expert's tissue label, which the atlas (a parcellation, names not shipped) does not give.
 */
export function neuroMapsTissue(
  t1: ArrayLike<number>,
  regions: ArrayLike<number>,
): { threshold: number; white: Set<number>; grey: Set<number> } {
  const byRegion = new Map<number, number[]>();
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i];
    if (!r) continue;
    let list = byRegion.get(r);
    if (!list) byRegion.set(r, (list = []));
    list.push(t1[i]);
  }
  const ids = [...byRegion.keys()];
  const medians = ids.map((r) => {
    const v = (byRegion.get(r) ?? []).sort((a, b) => a - b);
    return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  });
  const threshold = otsuThreshold(
    medians,
    ids.map((r) => byRegion.get(r)?.length ?? 0),
  );
  const white = new Set(ids.filter((_, n) => medians[n] > threshold));
  return { threshold, white, grey: new Set(ids.filter((r) => !white.has(r))) };
}

/**
 * A macaque brain is about 2.5 to 3 times smaller than a human one along each axis: scaled by
 * this, INIA19 has about a human brain's size, so that a network working at a human brain's
 * spacing sees it at a comparable resolution, and its 32-voxel patches fit.
 */
export const MACAQUE_TO_HUMAN = 3;

/**
 * The INIA19 macaque T1 template averaged over f^3 voxels (0.5 mm each), its spacing multiplied
 * by `scale` (1: its true size): grey matter (1) in the NeuroMaps regions that `neuroMapsTissue`
 * calls grey, other brain (2) in the white-ish regions and the rest of the brain mask (the
 * template is skull-stripped: nonzero T1), background (0) outside.
 */
export function inia19Case(f: number, scale = 1): TrainingCase {
  const image = read('inia19-t1-brain.nii.gz');
  const regions = read('inia19-NeuroMaps.nii.gz');
  const { grey } = neuroMapsTissue(image.voxels, regions.voxels);
  return blockCase(
    `inia19+neuromaps@${f / 2}mm${scale === 1 ? '' : ` x${scale}`}`,
    image,
    f,
    (_, index) => (grey.has(regions.voxels[index]) ? 1 : image.voxels[index] > 0 ? 2 : 0),
    scale,
  );
}

/**
 * The compare protocol's real cases at about 5 mm, the base model's spacing: Colin27 with and
 * without skull under AAL (as before), ch2bet under the three other grey-matter atlases, and the
 * INIA19 macaque scaled to a human brain's size (1.5 mm blocks x 3 = 4.5 mm). Six are one human
 * subject; their labels differ by atlas.
 */
export function compareCases(): TrainingCase[] {
  return [
    colinCase('ch2bet.nii.gz', 5),
    colinCase('ch2.nii.gz', 5),
    colinAtlasCase('harvard-oxford-cortical', 5),
    colinAtlasCase('brodmann', 5),
    colinAtlasCase('aicha', 5),
    colinCase('ch2bet.nii.gz', 4),
    inia19Case(3, MACAQUE_TO_HUMAN),
  ];
}
