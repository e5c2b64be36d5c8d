// The desktop shell: one window on the renderer, the core in this process, IPC between. Thin.
import { join } from 'node:path';
import { BrowserWindow, app } from 'electron';
import { createWorkstation } from '../src/workstation/createWorkstation';
import { bindImportDialog } from './importDialog';
import { bindIpc } from './ipcHandlers';
import { APP_ORIGIN } from './ipcChannels';
import { registerAppScheme, serveRenderer } from './rendererProtocol';
import { safeStorageSecretStore } from './safeStorageSecrets';

registerAppScheme();

async function openMainWindow(): Promise<void> {
  const root = app.getAppPath();
  const here = join(root, 'build/electron');
  serveRenderer(join(root, 'build/renderer'));
  const workstation = await createWorkstation({
    seriesFolders: [join(root, 'assets/sample')],
    modelsDir: join(root, 'assets/models'),
    version: app.getVersion(),
    backends: process.env.WORKSTATION_TF_BACKENDS,
    workerPath: join(here, 'engineWorker.cjs'),
    exportDirectory: app.getPath('documents'),
    dataDir: app.getPath('userData'),
    secretStore: safeStorageSecretStore(app.getPath('userData')),
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
  // No navigation away from our own page, no new windows.
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  bindIpc(window, workstation);
  bindImportDialog(window, workstation);
  app.on('will-quit', () => void workstation.close());
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.whenReady().then(openMainWindow, (error: unknown) => {
  console.error(error);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
