// Sandboxed preload: exposes the typed api bridge and nothing else of Electron to the page.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiEvent } from '../src/api/events';
import type { RequestEnvelope, ResponseEnvelope } from '../src/api/envelope';
import type { VoxelResource } from '../src/api/WorkstationApi';
import { IPC } from './ipcChannels';

contextBridge.exposeInMainWorld('workstationBridge', {
  request: (envelope: RequestEnvelope): Promise<ResponseEnvelope> =>
    ipcRenderer.invoke(IPC.request, envelope),
  onEvent: (listener: (event: ApiEvent) => void) => {
    const handler = (_: unknown, event: ApiEvent) => listener(event);
    ipcRenderer.on(IPC.event, handler);
    return () => ipcRenderer.off(IPC.event, handler);
  },
  fetchVoxels: (resource: VoxelResource): Promise<ArrayBuffer> =>
    ipcRenderer.invoke(IPC.voxels, resource),
  putLabelmap: (labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void> =>
    ipcRenderer.invoke(IPC.putLabelmap, { labelmapId, volumeId }, labels),
  chooseSavePath: (defaultName: string): Promise<string | null> =>
    ipcRenderer.invoke(IPC.chooseSavePath, defaultName),
  importWithDialog: (kind: 'files' | 'folder'): Promise<{ jobId: string } | null> =>
    ipcRenderer.invoke(IPC.importWithDialog, kind),
  // Only a File the user dropped or picked has a path, and only such a path is granted: the
  // main process lets the page name it afterwards (see GrantedPaths).
  pathForFile: (file: File): string => {
    const path = webUtils.getPathForFile(file);
    if (path) ipcRenderer.sendSync(IPC.grantDropped, path);
    return path;
  },
  thumbnail: (key: string): Promise<ArrayBuffer | null> => ipcRenderer.invoke(IPC.thumbnail, key),
});
