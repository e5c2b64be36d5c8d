import type { CommandName, CommandParams, CommandResult } from './commands';
import type { ApiEvent } from './events';

/** Which binary payload a fetch asks for: a volume's voxels or a labelmap's labels. */
export type VoxelResource =
  { kind: 'volume'; volumeId: string } | { kind: 'labelmap'; labelmapId: string };

/**
 * What the UI talks to. One implementation speaks IPC (Electron preload), one a WebSocket plus
 * binary HTTP (the browser host); the renderer never knows which.
 */
export interface WorkstationApi {
  call<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** The bytes of a volume or labelmap; `onProgress` hears bytes received of the total. */
  fetchVoxels(
    resource: VoxelResource,
    onProgress?: (received: number, total: number) => void,
  ): Promise<ArrayBuffer>;
  /**
   * Hands the core an edited labelmap of an open volume (one byte per voxel, the volume's order),
   * held under `labelmapId` for `saveSegmentation` and `exportLabelmap`.
   */
  putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void>;
  /** Asks the user where to save; null when the transport has no dialog or the user cancels. */
  chooseSavePath(defaultName: string): Promise<string | null>;
}
