import type { CommandParams, CommandResult } from '../../api/commands';
import type { OpenVolumes } from './OpenVolumes';

type Name = 'openSeries' | 'closeVolume';
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** Opening a library series as a volume the page shows, and closing it again. */
export function volumeHandlers(volumes: OpenVolumes): Handlers {
  return {
    openSeries: async ({ seriesId }) => {
      const { volumeId, record, volume } = volumes.open(seriesId);
      return {
        volumeId,
        seriesId,
        geometry: volume.geometry,
        voxelType: record.voxelType,
        range: record.range,
        modality: record.modality,
        windows: record.windows ?? [],
      };
    },

    closeVolume: async ({ volumeId, discardUnsaved }) =>
      volumes.close(volumeId, discardUnsaved ?? false),
  };
}
