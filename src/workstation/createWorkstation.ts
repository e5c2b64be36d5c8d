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
  /** the workstation's own files (autosaved segmentations) */
  dataDirectory?: string;
}

/** Starts the engine worker and opens the workstation services on it. */
export async function createWorkstation(options: CreateWorkstationOptions): Promise<Workstation> {
  const engine = await Engine.start({ backends: options.backends, workerPath: options.workerPath });
  try {
    return await Workstation.open({ ...options, engine });
  } catch (error) {
    await engine.close();
    throw error;
  }
}
