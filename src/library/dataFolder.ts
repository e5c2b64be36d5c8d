import { homedir } from 'node:os';
import { join } from 'node:path';

const APP_NAME = 'acs-workstation';

/**
 * The app's data folder, where Electron's `app.getPath('userData')` puts it for this app name,
 * so the desktop app and the CLI share one library: ~/.config on Linux (XDG), Application
 * Support on macOS, %APPDATA% on Windows. WORKSTATION_DATA overrides it.
 */
export function dataFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WORKSTATION_DATA) return env.WORKSTATION_DATA;
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (process.platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function defaultLibraryFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataFolder(env), 'library');
}
