import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import type { VolumeGeometry } from '../../api/geometry';
import { dot, sub } from '../../volume/vec3';
import type { Vec3 } from '../../volume/vec3';
import type { SourceInstance, SourceSeries } from './SourceSeries';

/** Patient and study attributes a derived object must carry unchanged (dcmjs keyword, tag). */
const PATIENT_STUDY: [string, string][] = [
  ['PatientName', 'x00100010'],
  ['PatientID', 'x00100020'],
  ['PatientBirthDate', 'x00100030'],
  ['PatientSex', 'x00100040'],
  ['StudyDate', 'x00080020'],
  ['StudyTime', 'x00080030'],
  ['StudyID', 'x00200010'],
  ['AccessionNumber', 'x00080050'],
  ['ReferringPhysicianName', 'x00080090'],
  ['StudyDescription', 'x00081030'],
];

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

function headerOf(bytes: Uint8Array): DataSet | undefined {
  try {
    // The header is all a reference needs: stop before the pixels.
    return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
  } catch {
    return undefined;
  }
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
    const header = headerOf(await readFile(path));
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
    patientStudy: Object.fromEntries(
      PATIENT_STUDY.map(([key, tag]) => [key, header.string(tag) ?? '']),
    ),
    instances: instances as SourceInstance[],
  };
}
