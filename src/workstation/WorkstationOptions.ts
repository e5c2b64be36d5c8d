import type { Engine } from '../engine/Engine';
import type { SecretCipher } from './pacs/pacsSecretStore';
import type { PathPolicy } from './pathPolicy';

export interface WorkstationOptions {
  engine: Engine;
  modelsDir: string;
  /** DICOM folders imported into the library at start (the bundled sample), once */
  seriesFolders: string[];
  exportDirectory?: string;
  version: string;
  /** the user's data: the case library (library/), trained models (models/), checkpoints */
  dataDir: string;
  /** seals PACS passwords and tokens (Electron: safeStorage); default none, a 0600 file of them */
  secretCipher?: SecretCipher;
  /**
   * which paths a page may name (requests through dispatch). The browser host and Electron set
   * theirs (see src/host/main.ts, electron/main.ts); the default, any path, is for a workstation
   * no page talks to (the CLI, tests).
   */
  paths?: PathPolicy;
  /**
   * image and labels files may be opened as cases to train on (`openFileCase`), and a training
   * on such files resumes by reading them again: the CLI, whose user names them. A page never
   * names files to train on, so the app leaves this off.
   */
  fileCases?: boolean;
  /** bytes of open volumes kept before the least recently used close; default a quarter of RAM, at least 2 GiB */
  volumeBudgetBytes?: number;
}
