import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { describeSeries, scanSeries } from '../../src/dicom/series';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';

const work = mkdtempSync(join(tmpdir(), 'windows-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a series carries its Window Center/Width pairs, in order, with their explanations', async () => {
  const brain = brainVoxels(8);
  const fixture = writeSeries(
    join(work, 'ct'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.axial,
    [8, 8, 8],
    [0, 0, 0],
    undefined,
    {
      Modality: 'CT',
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      WindowCenter: ['-933.5', '40', '300'],
      // the third width is not a positive number: no viewer can show it, so it is left out
      WindowWidth: ['57', '400', '0'],
      WindowCenterWidthExplanation: ['NARROW', 'SOFT TISSUE', 'BROKEN'],
    },
  );
  const { groups } = await scanSeries([fixture.dir]);
  assert.equal(groups.length, 1);
  assert.deepEqual(describeSeries(groups[0] as (typeof groups)[number]).windows, [
    { center: -933.5, width: 57, explanation: 'NARROW' },
    { center: 40, width: 400, explanation: 'SOFT TISSUE' },
  ]);
});

test('a series without a window carries none', async () => {
  const brain = brainVoxels(8);
  const fixture = writeSeries(
    join(work, 'mr'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.axial,
    [8, 8, 8],
    [0, 0, 0],
  );
  const { description } = await readDicomFolder(fixture.dir);
  assert.deepEqual(description.windows, []);
});
