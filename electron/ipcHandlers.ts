import type { BrowserWindow, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { dialog, ipcMain } from 'electron';
import { z } from 'zod';
import type { Workstation } from '../src/workstation/Workstation';
import { pathScrubber } from '../src/workstation/pages/pathScrubber';
import { dispatch } from '../src/workstation/dispatch';
import type { GrantedPaths } from '../src/workstation/pathPolicy';
import { APP_ORIGIN, IPC } from './ipcChannels';

const voxelResourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('volume'), volumeId: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('labelmap'), labelmapId: z.string().min(1).max(200) }).strict(),
]);

/**
 * The bytes as an ArrayBuffer IPC can clone. A view over the whole of a plain buffer goes as it
 * is (IPC's clone is then the only copy); voxels on shared memory, which IPC cannot send to
 * another process, are copied out once.
 */
function cloneable(data: ArrayBufferView): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = data;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength)
    return buffer;
  return new Uint8Array(new Uint8Array(buffer, byteOffset, byteLength)).buffer;
}

/** Only our own page may call the core: a navigated-away or injected frame is refused. */
function assertOwnFrame(event: IpcMainInvokeEvent | IpcMainEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!url.startsWith(`${APP_ORIGIN}/`))
    throw new Error(`IPC refused from ${url || 'an unknown frame'}`);
}

/**
 * Binds the same core services the browser host serves, over IPC; every message validated. A
 * path in a request passes only if `grants` knows it: chosen in this process's save dialog,
 * dropped by the user, or inside the export folder.
 */
export function bindIpc(
  window: BrowserWindow,
  workstation: Workstation,
  grants: GrantedPaths,
): void {
  // errors name the data folder, never its path, as the browser host's do
  const scrub = pathScrubber({ '<data folder>': workstation.dataDir });
  const scrubbed = <T>(value: T): T => JSON.parse(scrub(JSON.stringify(value))) as T;
  ipcMain.handle(IPC.request, async (event, envelope: unknown) => {
    assertOwnFrame(event);
    const response = await dispatch(workstation, envelope);
    return response.ok ? response : scrubbed(response);
  });
  ipcMain.handle(IPC.voxels, (event, raw: unknown) => {
    assertOwnFrame(event);
    const resource = voxelResourceSchema.parse(raw);
    const data =
      resource.kind === 'volume'
        ? workstation.volume(resource.volumeId).voxels
        : workstation.labelmap(resource.labelmapId);
    return cloneable(data);
  });
  ipcMain.handle(IPC.putLabelmap, (event, raw: unknown, labels: unknown) => {
    assertOwnFrame(event);
    const target = z
      .object({
        labelmapId: z.string().regex(/^[\w-]{1,200}$/),
        volumeId: z.string().min(1).max(200),
      })
      .strict()
      .parse(raw);
    if (!(labels instanceof Uint8Array)) throw new Error('the labels must be bytes');
    workstation.putLabelmap(target.labelmapId, target.volumeId, new Uint8Array(labels));
  });
  ipcMain.handle(IPC.chooseSavePath, async (event, raw: unknown) => {
    assertOwnFrame(event);
    const defaultPath = z.string().max(4096).parse(raw);
    const result = await dialog.showSaveDialog(window, {
      defaultPath,
      filters: [
        { name: 'NIfTI', extensions: ['nii.gz', 'nii'] },
        { name: 'DICOM SEG', extensions: ['dcm'] },
      ],
    });
    if (result.canceled || !result.filePath) return null;
    grants.grant(result.filePath, 'write');
    return result.filePath;
  });
  ipcMain.on(IPC.grantDropped, (event, raw: unknown) => {
    assertOwnFrame(event);
    grants.grant(z.string().min(1).max(4096).parse(raw), 'read');
    event.returnValue = true;
  });
  const unsubscribe = workstation.onEvent((event) => {
    if (!window.isDestroyed())
      window.webContents.send(IPC.event, 'error' in event ? scrubbed(event) : event);
  });
  window.on('closed', unsubscribe);
}
