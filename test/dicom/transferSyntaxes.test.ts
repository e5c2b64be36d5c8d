// Every common transfer syntax gives the voxels of the uncompressed file: copies of a real
// series (mricron-data) made with gdcmconv and dcmtk, and pydicom's MR_small in many syntaxes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DicomReadError } from '../../src/dicom/DicomReadError';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import type { LoadedSeries } from '../../src/dicom/readDicomFolder';
import { readNifti } from '../../src/nifti/readNifti';
import { convertFolder } from '../fixtures/convert';
import { encapsulate } from '../fixtures/encapsulate';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'syntaxes-'));
after(() => rmSync(work, { recursive: true, force: true }));

const brain = permute(
  downsample(place(readNifti('/usr/share/mricron/templates/ch2.nii.gz').volume), 4),
  PLANES.axial,
);
const plain = { mr: join(work, 'mr'), ct: join(work, 'ct'), bytes: join(work, 'bytes') };
const reference: Record<string, LoadedSeries> = {};

before(async () => {
  // Unsigned 16-bit MR, signed 16-bit CT with negative stored values, 8-bit for JPEG baseline.
  writeDicomSeries(plain.mr, brain, { bitsStored: 12 });
  writeDicomSeries(plain.ct, brain, {
    signed: true,
    modality: 'CT',
    rescale: () => ({ slope: 1, intercept: 100 }),
  });
  writeDicomSeries(plain.bytes, brain, { bitsAllocated: 8 });
  for (const [name, dir] of Object.entries(plain)) reference[name] = await readDicomFolder(dir);
});

function maxDifference(a: LoadedSeries, b: LoadedSeries): number {
  assert.deepEqual(a.volume.geometry, b.volume.geometry);
  let max = 0;
  for (let n = 0; n < a.volume.voxels.length; n++)
    max = Math.max(max, Math.abs(a.volume.voxels[n] - b.volume.voxels[n]));
  return max;
}

/** Lossless copies must give the voxels exactly. */
const lossless: [name: string, source: keyof typeof plain, tool: string, args: string[]][] = [
  ['Implicit VR Little Endian', 'mr', 'gdcmconv', ['-M']],
  ['Explicit VR Big Endian', 'ct', 'dcmconv', ['+tb']],
  ['Deflated Explicit VR Little Endian', 'mr', 'dcmconv', ['+td']],
  ['RLE Lossless', 'ct', 'gdcmconv', ['-R']],
  ['RLE Lossless, 8-bit', 'bytes', 'gdcmconv', ['-R']],
  ['JPEG Lossless SV1', 'mr', 'gdcmconv', ['-J']],
  ['JPEG Lossless SV1, signed', 'ct', 'gdcmconv', ['-J']],
  ['JPEG-LS Lossless', 'mr', 'gdcmconv', ['-L']],
  ['JPEG-LS Lossless, signed', 'ct', 'gdcmconv', ['-L']],
  ['JPEG 2000 Lossless', 'mr', 'gdcmconv', ['-K']],
  ['JPEG 2000 Lossless, signed', 'ct', 'gdcmconv', ['-K']],
];

for (const [name, source, tool, args] of lossless) {
  test(`${name}: same voxels as the uncompressed series`, async () => {
    const dir = join(work, name.replace(/\W+/g, '-'));
    convertFolder(plain[source], dir, tool, args);
    const converted = await readDicomFolder(dir);
    assert.equal(converted.skipped.length, 0, converted.skipped.map((e) => e.message).join('\n'));
    assert.equal(maxDifference(reference[source], converted), 0);
  });
}

/**
 * Lossy copies: the same voxels as the reference tool's own decoder gives (within `tolerance`,
 * for IDCT rounding between JPEG libraries), and within the codec's error of the original.
 */
const lossy: [
  name: string,
  source: keyof typeof plain,
  encode: [string, string[]],
  decode: [string, string[]],
  tolerance: number,
  bound: number,
][] = [
  [
    'JPEG-LS Near-Lossless (error 2)',
    'mr',
    ['gdcmconv', ['-L', '-Y', '-e', '2']],
    ['gdcmconv', ['-w']],
    0,
    2,
  ],
  [
    'JPEG 2000 lossy',
    'mr',
    ['gdcmconv', ['-K', '-Y', '-q', '50']],
    ['gdcmconv', ['-w']],
    0,
    Infinity,
  ],
  ['JPEG Baseline 8-bit (lossy)', 'bytes', ['dcmcjpeg', ['+eb']], ['dcmdjpeg', []], 1, 32],
];

for (const [
  name,
  source,
  [encoder, encodeArgs],
  [decoder, decodeArgs],
  tolerance,
  bound,
] of lossy) {
  test(`${name}: same voxels as ${decoder} decodes${tolerance ? ` within ${tolerance}` : ''}`, async () => {
    const dir = join(work, name.replace(/\W+/g, '-'));
    convertFolder(plain[source], dir, encoder, encodeArgs);
    convertFolder(dir, `${dir}-decoded`, decoder, decodeArgs);
    const converted = await readDicomFolder(dir);
    assert.equal(converted.skipped.length, 0, converted.skipped.map((e) => e.message).join('\n'));
    const fromTool = await readDicomFolder(`${dir}-decoded`);
    assert.ok(maxDifference(fromTool, converted) <= tolerance);
    const error = maxDifference(reference[source], converted);
    assert.ok(error > 0 && error <= bound, `${error} from the original: was it really lossy?`);
  });
}

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

test("pydicom's MR_small in six transfer syntaxes reads as the uncompressed file", async () => {
  const only = (name: string) => {
    const dir = join(work, `pydicom-${name}`);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('cp', [join(PYDICOM, name), dir]);
    return readDicomFolder(dir);
  };
  const base = await only('MR_small.dcm');
  assert.ok(base.volume.voxels instanceof Int16Array);
  for (const name of [
    'MR_small_implicit.dcm',
    'MR_small_bigendian.dcm',
    'MR_small_expb.dcm',
    'MR_small_RLE.dcm',
    'MR_small_jpeg_ls_lossless.dcm',
    'MR_small_jp2klossless.dcm',
  ]) {
    assert.equal(maxDifference(base, await only(name)), 0, name);
  }
  assert.ok(readdirSync(work).length > 0);
});

test('HTJ2K Lossless (encoded with OpenJPH, which no Debian tool writes yet) gives the voxels exactly', async () => {
  const { default: openjph } = await import('@cornerstonejs/codec-openjph/wasmjs');
  const codec = (await openjph()) as unknown as {
    HTJ2KEncoder: new () => {
      getDecodedBuffer(info: object): Uint8Array;
      getEncodedBuffer(): Uint8Array;
      setQuality(lossless: boolean, quantization: number): void;
      encode(): void;
      delete(): void;
    };
  };
  for (const source of ['mr', 'ct'] as const) {
    const dir = join(work, `htj2k-${source}`);
    mkdirSync(dir);
    for (const name of readdirSync(plain[source])) {
      encapsulate(
        join(plain[source], name),
        join(dir, name),
        '1.2.840.10008.1.2.4.201',
        (pixels, rows, columns) => {
          const encoder = new codec.HTJ2KEncoder();
          try {
            encoder
              .getDecodedBuffer({
                width: columns,
                height: rows,
                bitsPerSample: 16,
                componentCount: 1,
                isSigned: source === 'ct',
                isUsingColorTransform: false,
              })
              .set(pixels);
            encoder.setQuality(true, 0);
            encoder.encode();
            return new Uint8Array(encoder.getEncodedBuffer());
          } finally {
            encoder.delete();
          }
        },
      );
    }
    const converted = await readDicomFolder(dir);
    assert.equal(converted.skipped.length, 0, converted.skipped.map((e) => e.message).join('\n'));
    assert.equal(maxDifference(reference[source], converted), 0, source);
  }
});

test('a broken frame in a compressed series (decoded on worker threads) names its file', async () => {
  const dir = join(work, 'broken-j2k');
  convertFolder(plain.mr, dir, 'gdcmconv', ['-K']);
  const victim = join(dir, readdirSync(dir).sort()[7]);
  const bytes = readFileSync(victim);
  // The JPEG 2000 codestream starts with its SOC marker (FF 4F FF 51): destroy it.
  const soc = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
  assert.ok(soc > 0);
  bytes.fill(0, soc, soc + 64);
  writeFileSync(victim, bytes);
  await assert.rejects(readDicomFolder(dir), (error: unknown) => {
    assert.ok(error instanceof DicomReadError);
    assert.equal(error.path, victim);
    assert.match(error.message, /cannot decode jpeg-2000 pixel data/);
    return true;
  });
});
