import { readFile } from 'node:fs/promises';
import type { VolumeGeometry } from '../../volume/geometry';
import { decodeSeg } from './decodeSeg';
import type { DecodedSeg } from './decodeSeg';

/** Reads a DICOM SEG file onto an open series' grid (see decodeSeg); errors name the file. */
export async function readSeg(
  path: string,
  geometry: VolumeGeometry,
  frameOfReferenceUid?: string,
): Promise<DecodedSeg> {
  const bytes = await readFile(path);
  try {
    return decodeSeg(bytes, geometry, frameOfReferenceUid);
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}
