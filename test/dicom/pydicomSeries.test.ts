// The small real series among python3-pydicom's test files (dicomdirtests), read by us and by
// dcm2niix: the same split into volumes, the same voxels and affines.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DicomReadError } from '../../src/dicom/DicomReadError';
import { loadSeries, scanSeries } from '../../src/dicom/series';
import type { Volume } from '../../src/volume/Volume';
import { runDcm2niix } from '../fixtures/dcm2niix';
import { compareVolumes } from '../fixtures/sameVolume';

const SERIES = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests';

/** Every one of our volumes matches exactly one of dcm2niix's, and there are as many. */
async function matchesDcm2niix(folder: string): Promise<number> {
  const dir = join(SERIES, folder);
  const { groups } = await scanSeries([dir]);
  const ours: Volume[] = [];
  for (const group of groups) ours.push((await loadSeries(group)).volume);
  const theirs = [...runDcm2niix(dir).values()].map((n) => n.volume);
  assert.equal(
    ours.length,
    theirs.length,
    `${folder}: ${ours.length} volumes, dcm2niix ${theirs.length}`,
  );
  for (const [n, volume] of ours.entries()) {
    const matches = theirs.filter((other) => {
      try {
        compareVolumes(volume, other);
        return true;
      } catch {
        return false;
      }
    });
    assert.equal(
      matches.length,
      1,
      `${folder}: our volume ${n + 1} matches ${matches.length} of dcm2niix's`,
    );
  }
  return ours.length;
}

test('a 5-slice axial CT matches dcm2niix', async () => {
  assert.equal(await matchesDcm2niix('98892001/CT5N'), 1);
});

test('oblique MR images of seven orientations are seven images, as dcm2niix splits them', async () => {
  assert.equal(await matchesDcm2niix('98892003/MR700'), 7);
});

test('single MR images of several series and planes match dcm2niix one by one', async () => {
  assert.equal(await matchesDcm2niix('98892003/MR2'), 7);
  assert.equal(await matchesDcm2niix('98892003/MR1'), 3);
});

test('a CT with 161 of its slices absent is refused, naming the file after the gap', async () => {
  const { groups } = await scanSeries([join(SERIES, '77654033/CT2')]);
  assert.equal(groups.length, 1);
  await assert.rejects(loadSeries(groups[0]), (error: unknown) => {
    assert.ok(error instanceof DicomReadError);
    assert.equal(error.problem, 'geometry');
    assert.match(error.message, /77654033\/CT2\/\d+: missing slice: .*161 slice\(s\) absent/);
    return true;
  });
});

test('2D radiographs, DICOMDIRs and text files in the tree are skipped and named', async () => {
  // Folder by folder, so that the top folder's DICOMDIR does not choose the files.
  const { issues } = await scanSeries([
    join(SERIES, '77654033/CR1'),
    ...readdirSync(SERIES)
      .filter((n) => /^(DICOMDIR|README)/.test(n))
      .map((n) => join(SERIES, n)),
  ]);
  const byFile = new Map(issues.map((e) => [e.path.slice(SERIES.length + 1), e]));
  assert.equal(byFile.get('77654033/CR1/6154')?.problem, 'not-image');
  assert.equal(byFile.get('DICOMDIR')?.problem, 'not-image');
  assert.equal(byFile.get('README.txt')?.problem, 'not-dicom');
  assert.match(byFile.get('DICOMDIR-nooffset')?.message ?? '', /DICOMDIR-nooffset: /);
});

test('a DICOMDIR chooses the files of its folder, as written in it (upper case, backslashes)', async () => {
  const { groups, issues } = await scanSeries([SERIES]);
  // The top DICOMDIR lists the images of 77654033, 98892001 and 98892003 and nothing else.
  assert.ok(!issues.some((e) => e.path.endsWith('README.txt')));
  assert.ok(groups.length >= 10);
  assert.ok(groups.every((g) => /\/(77654033|98892001|98892003)\//.test(g.slices[0].path)));
});
