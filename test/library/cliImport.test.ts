// `cli import`: what it prints for a folder with a good series and bad files, and its JSON.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runImport } from '../../src/cli/commands/import';
import { readNifti } from '../../src/nifti/readNifti';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'cli-import-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
  try {
    const code = await runImport(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('prints the series it stored, then recognises them, and names every bad file', async () => {
  const input = join(work, 'input');
  writeDicomSeries(
    input,
    permute(
      downsample(place(readNifti('/usr/share/mricron/templates/ch2bet.nii.gz').volume), 5),
      PLANES.axial,
    ),
    { description: 'T1 brain', patientName: 'Colin^27' },
  );
  writeFileSync(join(input, 'broken.dcm'), 'garbage');
  const library = join(work, 'library');
  const first = await run([input, '--library', library]);
  assert.equal(first.code, 0);
  assert.match(first.out, /1 series imported, 0 already in the library, 0 files skipped, 1 errors/);
  assert.match(first.out, /\+ MR T1 brain {2}36x43x36 int16 {2}Colin\^27/);
  assert.match(first.out, /! .*broken\.dcm: not a DICOM file/);
  const second = await run([input, '--library', library, '--json']);
  const report = JSON.parse(second.out) as {
    imported: unknown[];
    existing: { seriesDescription: string }[];
  };
  assert.equal(report.imported.length, 0);
  assert.equal(report.existing[0].seriesDescription, 'T1 brain');
});

test('no path is a usage error', async () => {
  const error = console.error;
  console.error = () => undefined;
  try {
    assert.equal((await run([])).code, 2);
  } finally {
    console.error = error;
  }
});
