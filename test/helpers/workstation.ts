import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workstation } from '../../src/workstation/Workstation';
import { createWorkstation } from '../../src/workstation/createWorkstation';

/** The real workstation on the bundled sample, on wasm (or cpu), as the host runs it. */
export function openSampleWorkstation(exportDirectory?: string): Promise<Workstation> {
  return createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'wasm,cpu',
    exportDirectory,
    dataDir: mkdtempSync(join(tmpdir(), 'workstation-data-')),
  });
}
