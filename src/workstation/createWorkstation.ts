import { dataFolder } from '../library/dataFolder';
import { Engine } from '../engine/Engine';
import type { SecretCipher } from './pacs/pacsSecretStore';
import type { PathPolicy } from './pathPolicy';
import { Workstation } from './Workstation';

export interface CreateWorkstationOptions {
  seriesFolders: string[];
  modelsDir: string;
  version: string;
  /** comma-separated engine backends to try (WORKSTATION_TF_BACKENDS), default all */
  backends?: string;
  workerPath?: string;
  exportDirectory?: string;
  /** the user's data folder (trained models, checkpoints); default: the app's, as Electron's userData */
  dataDir?: string;
  /** seals PACS credentials (Electron: safeStorage); default none, a 0600 file */
  secretCipher?: SecretCipher;
  /** which paths a page may name; default any (the CLI): a host or Electron sets its own */
  paths?: PathPolicy;
  /** bytes of open volumes kept before the least recently used close (see Workstation) */
  volumeBudgetBytes?: number;
  /** image and labels files may be opened as training cases (the CLI; see WorkstationOptions) */
  fileCases?: boolean;
}

/** Starts the engine worker and opens the workstation services on it. */
export async function createWorkstation(options: CreateWorkstationOptions): Promise<Workstation> {
  const engine = await Engine.start({ backends: options.backends, workerPath: options.workerPath });
  try {
    return await Workstation.open({
      ...options,
      dataDir: options.dataDir ?? dataFolder(),
      engine,
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
}
