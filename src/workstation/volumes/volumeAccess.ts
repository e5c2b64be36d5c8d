import type { ExportHost } from '../export/exportHandlers';
import type { SegmentationHost } from '../segmentations/segmentationHandlers';
import type { OpenVolumes } from './OpenVolumes';

/** The open volumes as the segmentation, export and PACS handlers ask for them. */
export function volumeAccess(volumes: OpenVolumes): ExportHost & SegmentationHost {
  return {
    volume: (volumeId) => volumes.volume(volumeId),
    seriesOfVolume: (volumeId) => volumes.seriesOf(volumeId),
    labelmapEntry: (labelmapId) => volumes.labelmap(labelmapId),
    addLabelmap: (info, labels) => volumes.add(info, labels),
    labelmapSaved: (labelmapId) => volumes.saved(labelmapId),
  };
}
