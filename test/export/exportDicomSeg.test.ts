import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { readSeg } from '../../src/dicom/seg/readSeg';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { exportDicomSeg } from '../../src/export/exportDicomSeg';
import { dcentvfy, dciodvfy } from '../helpers/dicom3tools';

test('the bundled real MR series exports a dciodvfy-clean SEG that reads back voxel for voxel', async () => {
  const { description, volume } = await readDicomFolder('assets/sample');
  const labels = Uint8Array.from(volume.voxels, (v) => (v > 120 ? 1 : v > 70 ? 3 : 0));
  const dir = mkdtempSync(join(tmpdir(), 'seg-sample-'));
  const series = {
    dir: 'assets/sample',
    seriesInstanceUid: description.seriesInstanceUid,
    geometry: volume.geometry,
  };
  const segments: SegmentDefinition[] = [
    {
      labelValue: 1,
      label: 'White matter',
      color: [245, 245, 245],
      kind: 'tissue',
      algorithmType: 'AUTOMATIC',
      algorithmName: 'threshold',
    },
    {
      labelValue: 3,
      label: 'Grey matter',
      color: [128, 128, 128],
      kind: 'tissue',
      algorithmType: 'AUTOMATIC',
      algorithmName: 'threshold',
    },
  ];
  const { path } = await exportDicomSeg(join(dir, 'sample.seg.dcm'), series, labels, segments, {
    seriesDescription: 'Sample brain tissues',
    softwareVersion: '0.1.0',
    overwrite: false,
  });
  const report = dciodvfy(path);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.warnings, []);
  const sources = readdirSync('assets/sample').map((f) => join('assets/sample', f));
  assert.deepEqual(dcentvfy([...sources, path]).errors, [], 'the SEG agrees with its source');
  const read = await readSeg(path, volume.geometry);
  assert.deepEqual(
    read.labelmap,
    Uint8Array.from(labels, (v) => (v === 3 ? 2 : v)),
  );
});
