// Bad input never stops an import and never touches the library: every malformed file among
// pydicom's test files, a truncated file, an empty file, a non-DICOM file, a series with a
// missing slice, a zip with entries that climb out of it. Each gets an error naming the file
// and the problem; the good series in the same import are stored.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import { ImportCancelled, importPaths } from '../../src/library/importPaths';
import type { ImportReport } from '../../src/library/importPaths';
import { readNifti } from '../../src/nifti/readNifti';
import { snapshot } from '../fixtures/librarySnapshot';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { newUid, writeDicomSeries } from '../fixtures/writeDicomSeries';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const work = mkdtempSync(join(tmpdir(), 'bad-input-'));
after(() => rmSync(work, { recursive: true, force: true }));

const brain = permute(
  downsample(place(readNifti('/usr/share/mricron/templates/ch2bet.nii.gz').volume), 5),
  PLANES.axial,
);
const library = new CaseLibrary(join(work, 'library'));
const input = join(work, 'input');
let before_: Map<string, string>;
let report: ImportReport;

before(async () => {
  // Something already in the library, which the bad import must leave alone.
  const stored = await importPaths([writeSeries('stored', {})], library);
  assert.equal(stored.imported.length, 1);
  before_ = snapshot(library.root);

  mkdirSync(input);
  for (const name of readdirSync(PYDICOM)) {
    const path = join(PYDICOM, name);
    if (statSync(path).isFile()) copyFileSync(path, join(input, `pydicom-${name}`));
  }
  writeFileSync(join(input, 'empty.dcm'), '');
  writeFileSync(join(input, 'notes.txt'), 'not an image\n');
  const good = writeSeries('good', {});
  for (const name of readdirSync(good)) copyFileSync(join(good, name), join(input, `good-${name}`));
  const victim = readdirSync(good)[3];
  const whole = readFileSync(join(good, victim));
  writeFileSync(join(input, 'truncated.dcm'), whole.subarray(0, whole.length - 100));
  writeSeries('gap', { skip: [4] }, join(input, 'gap'));
  const zipped = writeSeries('zipped', {});
  const entries: Record<string, Uint8Array> = {};
  for (const name of readdirSync(zipped))
    entries[`series/${name}`] = readFileSync(join(zipped, name));
  entries['../../escape.dcm'] = entries[`series/${readdirSync(zipped)[0]}`];
  entries['/etc/absolute.dcm'] = entries[`series/${readdirSync(zipped)[0]}`];
  writeFileSync(join(input, 'export.zip'), zipSync(entries));
  report = await importPaths([input], library);
});

function writeSeries(
  description: string,
  options: { skip?: number[] },
  dir = join(work, description),
) {
  writeDicomSeries(dir, brain, {
    description,
    seriesUid: newUid(),
    prefix: `${description}-`,
    ...options,
  });
  return dir;
}

function failure(file: string) {
  return report.failed.find((f) => f.path.endsWith(file));
}

test('the good series (including the one in the zip) are imported despite the bad files', () => {
  assert.deepEqual(
    report.imported
      .map((r) => r.seriesDescription)
      .sort()
      .filter((d) => d === 'good' || d === 'zipped'),
    ['good', 'zipped'],
  );
});

test('every failure names its file and says the problem', () => {
  assert.ok(report.failed.length >= 10);
  for (const f of report.failed) {
    assert.ok(f.message.startsWith(`${f.path}: `), f.message);
    assert.ok(f.path.startsWith(input), f.path);
    assert.ok(f.message.length > f.path.length + 10, f.message);
  }
});

test("pydicom's malformed files are each reported with their problem", () => {
  const expected: [file: string, problem: string, text: RegExp][] = [
    ['pydicom-MR_truncated.dcm', 'truncated', /Pixel Data needs 8192 bytes/],
    ['pydicom-rtplan_truncated.dcm', 'malformed', /not a readable DICOM file/],
    ['pydicom-nested_priv_SQ.dcm', 'malformed', /not a readable DICOM file/],
    ['pydicom-meta_missing_tsyntax.dcm', 'malformed', /0002,0010/],
    ['pydicom-SC_rgb_jpeg.dcm', 'malformed', /buffer overrun/],
    ['pydicom-JPGExtended.dcm', 'unsupported', /JPEG Extended 12-bit/],
    ['pydicom-SC_rgb_rle.dcm', 'unsupported', /colour image/],
    ['pydicom-ExplVR_BigEndNoMeta.dcm', 'not-dicom', /no "DICM"/],
  ];
  for (const [file, problem, text] of expected) {
    const f = failure(file);
    assert.ok(f, `${file} not reported`);
    assert.equal(f.problem, problem, f.message);
    assert.match(f.message, text);
  }
});

test('an empty file, a text file and a truncated copy are named', () => {
  assert.equal(failure('empty.dcm')?.problem, 'empty');
  assert.equal(failure('notes.txt')?.problem, 'not-dicom');
  assert.equal(failure('truncated.dcm')?.problem, 'truncated');
});

test('a series with a missing slice is refused, naming the slice after the gap', () => {
  const f = report.failed.find((x) => x.path.includes('/gap/'));
  assert.ok(f);
  assert.equal(f.problem, 'geometry');
  assert.match(f.message, /missing slice: .* \(1 slice\(s\) absent\)/);
});

test('zip entries that climb out of the archive are refused by name', () => {
  assert.equal(failure('export.zip/../../escape.dcm')?.problem, 'malformed');
  assert.match(failure('export.zip/../../escape.dcm')?.message ?? '', /climbs out/);
  assert.match(failure('export.zip//etc/absolute.dcm')?.message ?? '', /climbs out/);
});

test('SR, RT objects, segmentations and duplicates are skipped and counted, not errors', () => {
  const skipped = new Map(report.skipped.map((s) => [s.path.slice(input.length + 1), s.problem]));
  assert.equal(skipped.get('pydicom-rtstruct.dcm'), 'not-image');
  assert.equal(skipped.get('pydicom-test-SR.dcm'), 'not-image');
  assert.equal(skipped.get('pydicom-liver_1frame.dcm'), 'not-image');
  assert.ok(
    [...skipped.values()].includes('duplicate'),
    'MR_small in several syntaxes: duplicates',
  );
});

test('nothing already in the library was touched', () => {
  const after_ = snapshot(library.root);
  for (const [path, fingerprint] of before_) assert.equal(after_.get(path), fingerprint, path);
});

test('importing the same folder again recognises every stored series and writes nothing', async () => {
  const stored = snapshot(library.root);
  const again = await importPaths([input], library);
  assert.equal(again.imported.length, 0);
  assert.deepEqual(
    again.existing.map((r) => r.seriesId).sort(),
    report.imported.map((r) => r.seriesId).sort(),
  );
  assert.deepEqual(snapshot(library.root), stored);
});

test('a cancelled import stops, keeps what it stored whole, and stores nothing half', async () => {
  const cancelLibrary = new CaseLibrary(join(work, 'cancel-library'));
  const controller = new AbortController();
  await assert.rejects(
    importPaths([input], cancelLibrary, {
      signal: controller.signal,
      onProgress: ({ phase }) => {
        // Cancel once a series is stored, while the next one is being read.
        if (phase === 'read' && cancelLibrary.list().length >= 1) controller.abort();
      },
    }),
    ImportCancelled,
  );
  const stored = cancelLibrary.list();
  assert.ok(
    stored.length >= 1 && stored.length < report.imported.length,
    `${stored.length} stored`,
  );
  for (const record of stored)
    assert.equal(cancelLibrary.open(record.seriesId).volume.voxels.byteLength, record.bytes);
  assert.ok(readdirSync(cancelLibrary.seriesRoot).every((n) => !n.startsWith('.')));
});

test('a folder holding a link to itself is read once, not forever', async () => {
  const looped = join(work, 'looped');
  writeSeries('looped-series', {}, looped);
  symlinkSync(looped, join(looped, 'again'));
  const result = await importPaths([looped], new CaseLibrary(join(work, 'loop-library')));
  assert.equal(result.imported.length, 1);
  assert.equal(result.failed.length, 0);
});
