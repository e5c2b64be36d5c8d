import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import type { VolumeGeometry } from '../../volume/geometry';
import { dot, sub } from '../../volume/vec3';
import type { Vec3 } from '../../volume/vec3';
import { patientStudyOf } from './patientStudy';
import type { SourceInstance, SourceSeries } from './SourceSeries';

/** Every file under `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

/** Most headers fit here; a longer one is read whole. */
const HEAD_BYTES = 64 * 1024;

function parseHeader(bytes: Uint8Array): DataSet | undefined {
  try {
    // The header is all a reference needs: stop before the pixels.
    return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
  } catch {
    return undefined;
  }
}

/** The header of a file without reading its pixels; undefined for a file that is not DICOM. */
export async function headerOf(path: string): Promise<DataSet | undefined> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  let size: number;
  try {
    size = (await handle.stat()).size;
    head = new Uint8Array(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const header = parseHeader(head);
  if (header?.elements.x7fe00010 || size <= HEAD_BYTES) return header;
  return parseHeader(await readFile(path));
}

/**
 * Reads the headers of the series `seriesInstanceUid` in `dir` and lines its instances up with
 * the slices of `geometry` (the volume readDicomFolder built from the same files): slice k is the
 * instance whose position lies k slice spacings along the normal from the volume's origin.
 * readDicomFolder does not keep per-slice UIDs, and a SEG must name the image behind each frame.
 */
export async function readSourceSeries(
  dir: string,
  seriesInstanceUid: string,
  geometry: VolumeGeometry,
): Promise<SourceSeries> {
  const slices = geometry.dimensions[2];
  const instances: (SourceInstance | undefined)[] = new Array(slices).fill(undefined);
  const d = geometry.direction;
  const normal: Vec3 = [d[6], d[7], d[8]];
  let first: DataSet | undefined;
  for (const path of await listFiles(dir)) {
    const header = await headerOf(path);
    if (!header || header.string('x0020000e') !== seriesInstanceUid) continue;
    const position = header.string('x00200032')?.split('\\').map(Number);
    if (!position || position.length !== 3) continue;
    const along = dot(sub(position as Vec3, geometry.origin), normal) / geometry.spacing[2];
    const k = Math.round(along);
    if (k < 0 || k >= slices || Math.abs(along - k) > 0.01) {
      throw new Error(`${path}: its position is not on a slice of the volume it was read into`);
    }
    instances[k] = {
      sopClassUid: header.string('x00080016') ?? '',
      sopInstanceUid: header.string('x00080018') ?? '',
    };
    first ??= header;
  }
  const missing = instances.findIndex((i) => !i);
  if (!first || missing >= 0) {
    throw new Error(`${dir}: no image of series ${seriesInstanceUid} for slice ${missing + 1}`);
  }
  const frameOfReferenceUid = first.string('x00200052');
  if (!frameOfReferenceUid) {
    throw new Error(`${dir}: the series has no Frame of Reference UID, which a SEG must share`);
  }
  const header = first;
  return {
    geometry,
    studyInstanceUid: header.string('x0020000d') ?? '',
    seriesInstanceUid,
    frameOfReferenceUid,
    patientStudy: patientStudyOf(header),
    instances: instances as SourceInstance[],
  };
}
