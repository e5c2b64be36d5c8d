import { randomUUID } from 'node:crypto';
import type { CommandParams, CommandResult, LabelmapInfo } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { segmentationCommandSchemas } from '../../api/segmentationCommands';
import type { SegmentationStore } from './SegmentationStore';

type Name = keyof typeof segmentationCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** What the handlers need of the workstation. */
export interface SegmentationHost {
  seriesOfVolume(volumeId: string): string;
  labelmapEntry(labelmapId: string): { info: LabelmapInfo; labels: Uint8Array };
  addLabelmap(info: LabelmapInfo, labels: Uint8Array): void;
  /** the labelmap's edits are saved: its volume may close without losing them */
  labelmapSaved(labelmapId: string): void;
}

/** The segmentation commands (autosave): list, save, load and delete saved segmentations. */
export function segmentationHandlers(
  host: SegmentationHost,
  storeOf: () => SegmentationStore,
): Handlers {
  return {
    listSegmentations: async ({ seriesId }) => storeOf().list(seriesId),

    saveSegmentation: async ({
      seriesId,
      segmentationId,
      labelmapId,
      name,
      segments,
      revision,
    }) => {
      const entry = host.labelmapEntry(labelmapId);
      if (host.seriesOfVolume(entry.info.volumeId) !== seriesId) {
        throw new ApiError('bad_request', `labelmap ${labelmapId} is not of series ${seriesId}`);
      }
      const saved = await storeOf().save({
        seriesId,
        segmentationId,
        name,
        segments,
        revision: revision ?? 0,
        labels: entry.labels,
      });
      host.labelmapSaved(labelmapId);
      return saved;
    },

    loadSegmentation: async ({ seriesId, segmentationId, volumeId }) => {
      if (host.seriesOfVolume(volumeId) !== seriesId) {
        throw new ApiError('bad_request', `volume ${volumeId} is not of series ${seriesId}`);
      }
      const { segmentation, labels } = await storeOf().load(seriesId, segmentationId);
      const labelmapId = `saved-${randomUUID()}`;
      const classes = ['background'];
      for (const segment of segmentation.segments) classes[segment.index] = segment.label;
      const counts = new Array<number>(classes.length).fill(0);
      for (const value of labels) if (value < counts.length) counts[value]++;
      host.addLabelmap(
        {
          labelmapId,
          volumeId,
          classes: Array.from(classes, (c) => c ?? ''),
          counts,
        },
        labels,
      );
      return { segmentation, labelmapId };
    },

    deleteSegmentation: async ({ seriesId, segmentationId }) => ({
      deleted: await storeOf().remove(seriesId, segmentationId),
    }),
  };
}
