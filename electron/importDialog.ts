import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { dialog, ipcMain } from 'electron';
import { z } from 'zod';
import type { GrantedPaths } from '../src/workstation/pathPolicy';
import type { Workstation } from '../src/workstation/Workstation';
import { APP_ORIGIN, IPC } from './ipcChannels';

function assertOwnFrame(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!url.startsWith(`${APP_ORIGIN}/`))
    throw new Error(`IPC refused from ${url || 'an unknown frame'}`);
}

const thumbnailKey = z.string().regex(/^[0-9a-f]{32}$/);

/**
 * Import from the desktop: the native dialog opens in the main process and the chosen paths go
 * straight to the library's import job; the page never names a path. Thumbnails come as bytes
 * (the app:// protocol serves only the renderer).
 */
export function bindImportDialog(
  window: BrowserWindow,
  workstation: Workstation,
  grants: GrantedPaths,
): void {
  ipcMain.handle(IPC.importWithDialog, async (event, raw: unknown) => {
    assertOwnFrame(event);
    // one dialog cannot pick both files and folders on Windows and Linux
    const kind = z.enum(['files', 'folder']).parse(raw);
    const result = await dialog.showOpenDialog(window, {
      title: kind === 'files' ? 'Import DICOM, zip or NIfTI files' : 'Import a folder',
      buttonLabel: 'Import',
      properties: [kind === 'files' ? 'openFile' : 'openDirectory', 'multiSelections'],
    });
    if (result.canceled || result.filePaths.length === 0) return null;
    for (const path of result.filePaths) grants.grant(path, 'read');
    return workstation.handlers.importPaths({ paths: result.filePaths });
  });
  ipcMain.handle(IPC.thumbnail, (event, raw: unknown) => {
    assertOwnFrame(event);
    const png = workstation.library.thumbnail(thumbnailKey.parse(raw));
    return png ? png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) : null;
  });
}
