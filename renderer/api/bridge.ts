import type { ApiEvent, RequestEnvelope, ResponseEnvelope, VoxelResource } from '../../src/api';

/** What electron/preload.ts exposes on `window.workstationBridge` (context isolation on). */
export interface WorkstationBridge {
  request(envelope: RequestEnvelope): Promise<ResponseEnvelope>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  fetchVoxels(resource: VoxelResource): Promise<ArrayBuffer>;
  putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void>;
  chooseSavePath(defaultName: string): Promise<string | null>;
}

declare global {
  interface Window {
    workstationBridge?: WorkstationBridge;
  }
}
