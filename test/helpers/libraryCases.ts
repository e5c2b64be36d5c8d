import { join } from 'node:path';
import { defaultSegmentColor } from '../../src/api/segmentColors';
import type { TrainingCase } from '../../src/engine/train/TrainingCase';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import { SegmentationStore } from '../../src/workstation/segmentations/SegmentationStore';

/**
 * Stores annotated cases in a data folder as the app leaves them: each volume a library series,
 * its labels an (autosaved) segmentation of that series with one segment per label value.
 * Returns the library refs; `segmented: false` stores the series without a segmentation.
 */
export async function storeLibraryCases(
  dataDir: string,
  cases: { case: TrainingCase; description: string; segmented?: boolean; names?: string[] }[],
): Promise<{ seriesId: string; segmentationId: string }[]> {
  const library = new CaseLibrary(join(dataDir, 'library'));
  const store = new SegmentationStore(dataDir);
  const refs: { seriesId: string; segmentationId: string }[] = [];
  for (const [n, entry] of cases.entries()) {
    const seriesId = `1.2.826.0.1.3680043.99.${n + 1}`;
    library.save(
      {
        seriesId,
        source: 'nifti',
        patientName: `Case ${n + 1}`,
        patientId: `P${n + 1}`,
        studyInstanceUid: `1.2.826.0.1.3680043.98.${n + 1}`,
        studyDate: '20260101',
        studyDescription: 'test',
        seriesDescription: entry.description,
        seriesNumber: n + 1,
        modality: 'MR',
        warnings: [],
      },
      entry.case.volume,
    );
    if (entry.segmented === false) continue;
    let highest = 0;
    for (const v of entry.case.labels) if (v > highest) highest = v;
    const names = entry.names ?? ['grey matter', 'other brain', 'extra'];
    const segmentationId = `seg-${n + 1}`;
    await store.save({
      seriesId,
      segmentationId,
      name: `Segmentation ${n + 1}`,
      segments: Array.from({ length: highest }, (_, k) => ({
        index: k + 1,
        label: names[k] ?? `Segment ${k + 1}`,
        color: defaultSegmentColor(k),
        visible: true,
        locked: false,
      })),
      revision: 1,
      labels: entry.case.labels,
    });
    refs.push({ seriesId, segmentationId });
  }
  return refs;
}
