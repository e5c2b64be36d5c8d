import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  ATLAS_CLASSES,
  colinAtlasCase,
  compareCases,
  COLIN_GREY_ATLASES,
  inia19Case,
  neuroMapsTissue,
  otsuThreshold,
} from '../../scripts/atlasCases';
import { colinCase } from '../../scripts/mricronCases';
import { readNifti } from '../../src/nifti/readNifti';

const TEMPLATES = '/usr/share/mricron/templates';

// nibabel's own reading of the files and its affines: each 5 mm block's centre voxel of ch2bet,
// to RAS, to the atlas's nearest voxel (ties rounded up), its label -> the class.
const NIBABEL_LABELS = `
import sys, numpy as np, nibabel as nib
t = nib.load(sys.argv[1]); a = nib.load(sys.argv[2]); f = int(sys.argv[3])
img = np.asanyarray(t.dataobj); atl = np.asanyarray(a.dataobj)
m = [n // f for n in img.shape]; h = f // 2
i, j, k = np.meshgrid(*[np.arange(n) * f + h for n in m], indexing='ij')
ijk = np.stack([i.ravel(), j.ravel(), k.ravel(), np.ones(i.size)])
v = np.floor(np.linalg.inv(a.affine) @ t.affine @ ijk + 0.5).astype(int)[:3]
inside = np.all((v >= 0) & (v < np.array(atl.shape)[:, None]), axis=0)
lab = np.zeros(i.size, dtype=int)
lab[inside] = atl[v[0, inside], v[1, inside], v[2, inside]]
cls = np.where(lab > 0, 1, np.where(img[i.ravel(), j.ravel(), k.ravel()] > 0, 2, 0))
sys.stdout.write(''.join(map(str, cls.reshape(m).ravel(order='F'))))
`;

test("the generic atlas path gives AAL's case exactly as colinCase does", () => {
  const generic = colinAtlasCase('aal', 5);
  const known = colinCase('ch2bet.nii.gz', 5);
  assert.deepEqual(generic.volume.geometry, known.volume.geometry);
  assert.deepEqual(generic.volume.voxels, known.volume.voxels);
  assert.deepEqual(generic.labels, known.labels);
});

for (const atlas of ['harvard-oxford-cortical', 'aicha'] as const) {
  test(`${atlas} (LAS, its own grid) maps onto ch2bet as nibabel maps it`, () => {
    const ours = colinAtlasCase(atlas, 5);
    const theirs = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        NIBABEL_LABELS,
        `${TEMPLATES}/ch2bet.nii.gz`,
        `${TEMPLATES}/${COLIN_GREY_ATLASES[atlas]}`,
        '5',
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    assert.equal(theirs.length, ours.labels.length);
    let differ = 0;
    for (let n = 0; n < theirs.length; n++) if (Number(theirs[n]) !== ours.labels[n]) differ++;
    assert.equal(differ, 0, `${differ} of ${theirs.length} labels differ from nibabel's`);
    // an atlas with its x axis read the wrong way round would still overlap, but not exactly
    const counts = [0, 0, 0];
    for (const l of ours.labels) counts[l]++;
    assert.ok(counts[1] > 5000 && counts[2] > 1000, counts.join(' '));
  });
}

test("Otsu's threshold separates two groups at the gap, weights counted", () => {
  assert.equal(otsuThreshold([1, 2, 3, 10, 11, 12], [1, 1, 1, 1, 1, 1]), 6.5);
  assert.equal(otsuThreshold([12, 1, 11, 2], [1, 1, 1, 1]), 6.5);
  // a heavy group pulls the cut towards the other
  assert.equal(otsuThreshold([0, 1, 5, 6], [1, 1, 1, 100]), 3);
});

test('INIA19: NeuroMaps regions split by their T1 into grey (darker) and white (brighter)', () => {
  const t1 = readNifti(`${TEMPLATES}/inia19-t1-brain.nii.gz`).volume.voxels;
  const regions = readNifti(`${TEMPLATES}/inia19-NeuroMaps.nii.gz`).volume.voxels;
  const { threshold, grey, white } = neuroMapsTissue(t1, regions);
  const sum = { grey: [0, 0], white: [0, 0] };
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i];
    if (!r) continue;
    const s = grey.has(r) ? sum.grey : sum.white;
    assert.ok(grey.has(r) !== white.has(r), `region ${r} is in exactly one class`);
    s[0] += t1[i];
    s[1]++;
  }
  const greyMean = sum.grey[0] / sum.grey[1];
  const whiteMean = sum.white[0] / sum.white[1];
  console.log(
    `threshold ${threshold.toFixed(1)}; ${grey.size} grey regions (${sum.grey[1]} voxels, mean T1 ${greyMean.toFixed(1)}), ${white.size} white (${sum.white[1]}, ${whiteMean.toFixed(1)})`,
  );
  assert.ok(greyMean < threshold && threshold < whiteMean);
  // both tissues are a large share of the brain, as in any primate brain
  const share = sum.grey[1] / (sum.grey[1] + sum.white[1]);
  assert.ok(share > 0.3 && share < 0.8, `grey share ${share}`);
  const c = inia19Case(10);
  assert.deepEqual(c.volume.geometry.spacing, [5, 5, 5]);
  assert.ok([0, 1, 2].every((k) => c.labels.includes(k)));
  // scaled to a human brain's size: the same labels on a grid of larger voxels, about the centre
  const scaled = inia19Case(10, 3);
  assert.deepEqual(scaled.labels, c.labels);
  assert.deepEqual(scaled.volume.geometry.spacing, [15, 15, 15]);
  assert.deepEqual(
    scaled.volume.geometry.origin,
    c.volume.geometry.origin.map((v) => v * 3),
  );
});

test('the compare cases: seven, distinct, every one in the shared classes', () => {
  const cases = compareCases();
  assert.equal(cases.length, 7);
  assert.equal(new Set(cases.map((c) => c.id)).size, 7);
  for (const c of cases) {
    assert.equal(c.labels.length, c.volume.voxels.length, c.id);
    assert.ok(
      c.labels.every((l) => l < ATLAS_CLASSES.length),
      c.id,
    );
  }
});
