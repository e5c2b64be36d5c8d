import { homedir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine/Engine';
import { Workstation } from './Workstation';

export interface CreateWorkstationOptions {
  seriesFolders: string[];
  modelsDir: string;
  version: string;
  /** comma-separated engine backends to try (WORKSTATION_TF_BACKENDS), default all */
  backends?: string;
  workerPath?: string;
  exportDirectory?: string;
  /** the user's data folder (trained models, checkpoints); default: the XDG data folder */
  dataDir?: string;
}

function defaultDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'acs-workstation');
}

/** Starts the engine worker and opens the workstation services on it. */
export async function createWorkstation(options: CreateWorkstationOptions): Promise<Workstation> {
  const engine = await Engine.start({ backends: options.backends, workerPath: options.workerPath });
  try {
    return await Workstation.open({
      ...options,
      dataDir: options.dataDir ?? defaultDataDir(),
      engine,
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
}
