import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { exportDicomSeg } from '../../src/export/exportDicomSeg';
import { dciodvfy } from '../helpers/dicom3tools';
import { ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';

// pydicom re-encodes the series' names in a given character set, and reads the SEG's back.
const RECODE = `
import sys, os, json, pydicom
for name in os.listdir(sys.argv[1]):
  path = os.path.join(sys.argv[1], name)
  ds = pydicom.dcmread(path)
  ds.SpecificCharacterSet = sys.argv[2]
  ds.PatientName = "Müller^Jürgen"
  ds.StudyDescription = "Kopf übersicht"
  ds.save_as(path)
print("{}")
`;
const NAMES = `
import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps([str(ds.PatientName), ds.StudyDescription]))
`;

for (const charset of ['ISO_IR 100', 'ISO_IR 192']) {
  test(`patient and study names in ${charset} reach the SEG unchanged`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-charset-'));
    const series = writeSeries(
      join(dir, 's'),
      [4, 3, 2],
      new Uint16Array(24),
      ORIENTATIONS.axial,
      [1, 1, 1],
      [0, 0, 0],
    );
    runPythonJson(RECODE, [series.dir, charset]);
    const { description, volume } = await readDicomFolder(series.dir);
    const { path } = await exportDicomSeg(
      join(dir, 'seg.dcm'),
      {
        dir: series.dir,
        seriesInstanceUid: description.seriesInstanceUid,
        geometry: volume.geometry,
      },
      new Uint8Array(24).fill(1),
      [{ labelValue: 1, label: 'All', color: [9, 9, 9], kind: 'tissue', algorithmType: 'MANUAL' }],
      { seriesDescription: 'Übersicht', softwareVersion: '0', overwrite: false },
    );
    assert.deepEqual(runPythonJson(NAMES, [path]), ['Müller^Jürgen', 'Kopf übersicht']);
    assert.deepEqual(dciodvfy(path).errors, []);
  });
}
