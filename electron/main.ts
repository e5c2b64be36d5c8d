// The desktop shell: one window on the renderer, the core in this process, IPC between. Thin.
import { join } from 'node:path';
import { BrowserWindow, app, safeStorage, session } from 'electron';
import { createWorkstation } from '../src/workstation/createWorkstation';
import { GrantedPaths, confinedPaths } from '../src/workstation/pathPolicy';
import { bindImportDialog } from './importDialog';
import { bindIpc } from './ipcHandlers';
import { APP_ORIGIN } from './ipcChannels';
import { registerAppScheme, serveRenderer } from './rendererProtocol';
import { safeStorageCipher } from './safeStorageCipher';
import { isAppUrl, permissionAllowed } from './webGuards';

registerAppScheme();

/** The page is granted nothing the web could ask for, and never leaves our own origin. */
function guardSession(window: BrowserWindow): void {
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl || contents.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin),
  );
  const stayHome = (event: { preventDefault(): void; url: string }) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  window.webContents.on('will-navigate', stayHome);
  window.webContents.on('will-redirect', stayHome);
  window.webContents.on('will-frame-navigate', stayHome);
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

async function openMainWindow(): Promise<void> {
  const root = app.getAppPath();
  const here = join(root, 'build/electron');
  serveRenderer(join(root, 'build/renderer'));
  const exportDirectory = app.getPath('documents');
  // Paths from the page: those the user chose in our dialogs or dropped, and files to write in
  // the export folder (the page's export field starts there).
  const grants = new GrantedPaths(confinedPaths({ read: [], write: [exportDirectory] }));
  const workstation = await createWorkstation({
    seriesFolders: [join(root, 'assets/sample')],
    modelsDir: join(root, 'assets/models'),
    version: app.getVersion(),
    backends: process.env.WORKSTATION_TF_BACKENDS,
    workerPath: join(here, 'engineWorker.cjs'),
    exportDirectory,
    dataDir: app.getPath('userData'),
    secretCipher: safeStorageCipher(safeStorage),
    paths: grants,
  });
  const window = new BrowserWindow({
    width: 1500,
    height: 900,
    backgroundColor: '#111418',
    title: 'ACS Workstation',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  guardSession(window);
  bindIpc(window, workstation, grants);
  bindImportDialog(window, workstation, grants);
  app.on('will-quit', () => void workstation.close());
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.whenReady().then(openMainWindow, (error: unknown) => {
  console.error(error);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
