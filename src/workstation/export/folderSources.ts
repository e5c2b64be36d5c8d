import { headerOf, listFiles } from '../../dicom/seg/readSourceSeries';
import type { DicomSource } from './dicomSource';

/**
 * The folder among `folders` (the DICOM folders the workstation was started on, such as the
 * bundled sample) that holds series `seriesId`, found by its headers: the library keeps volumes,
 * not files, and a SEG must name the images it was drawn on.
 */
export async function sourceInFolders(
  folders: string[],
  seriesId: string,
): Promise<DicomSource | undefined> {
  for (const dir of folders) {
    let files: string[];
    try {
      files = await listFiles(dir);
    } catch {
      continue; // a start folder that is gone holds nothing
    }
    for (const path of files) {
      const header = await headerOf(path).catch(() => undefined);
      if (header?.string('x0020000e') === seriesId) return { dir, seriesInstanceUid: seriesId };
    }
  }
  return undefined;
}
