import type { ApiEvent, RequestEnvelope, ResponseEnvelope, VoxelResource } from '../../src/api';

/** What electron/preload.ts exposes on `window.workstationBridge` (context isolation on). */
export interface WorkstationBridge {
  request(envelope: RequestEnvelope): Promise<ResponseEnvelope>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  fetchVoxels(resource: VoxelResource): Promise<ArrayBuffer>;
  putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void>;
  chooseSavePath(defaultName: string): Promise<string | null>;
  /** opens the native dialog and imports what the user chose; null when cancelled */
  importWithDialog?(kind: 'files' | 'folder'): Promise<{ jobId: string } | null>;
  /** where a dropped file or folder is on disk ('' for one that is not a file on disk) */
  pathForFile?(file: File): string;
  /** a library series' thumbnail (PNG) by its key, null when there is none */
  thumbnail?(key: string): Promise<ArrayBuffer | null>;
}

declare global {
  interface Window {
    workstationBridge?: WorkstationBridge;
  }
}
