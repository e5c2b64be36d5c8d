// The layering rules of ../shared/DESIGN.md ("Layers") as eslint.config.js enforces them: a file
// written where an import is forbidden fails lint with the layer rule, the same import where it
// is allowed passes. Each probe is a real file in the layer's folder, linted by ESLint's Node API
// with the repository's own configuration, and removed afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });
const written: string[] = [];
after(() => {
  for (const path of written) rmSync(path, { force: true });
});

/** Lints `source` as a file in `folder`; returns the rule ids it breaks. */
async function ruleIdsIn(folder: string, source: string): Promise<string[]> {
  const path = join(root, folder, `layer-probe-${randomBytes(4).toString('hex')}.ts`);
  written.push(path);
  writeFileSync(path, source);
  try {
    const [result] = await eslint.lintFiles([path]);
    return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
  } finally {
    rmSync(path, { force: true });
  }
}

const probe = (specifier: string) =>
  `import * as probe from '${specifier}';\n\nexport const used = probe;\n`;

/** [folder, import, what it shows]: every one breaks a layering rule. */
const forbidden: [string, string, string][] = [
  ['src/volume', '../dicom/DicomSlice', 'volume sits below dicom'],
  ['src/volume', '../files/atomicWrite', 'file I/O stays out of volume'],
  ['src/volume', 'node:fs', 'volume computes only'],
  ['src/dicom', '../library/CaseLibrary', 'dicom sits below the library'],
  ['src/dicom/seg', '../../engine/Engine', 'the depth of the importing file does not matter'],
  ['src/nifti', '../dicom/DicomSlice', 'sibling layers do not import each other'],
  ['src/engine', '../workstation/Workstation', 'the engine sits below the workstation'],
  ['src/workstation', '../host/startHost', 'the workstation sits below the host'],
  ['src/api', '../engine/Engine', 'the contract imports no layer'],
  ['src/api', '../volume/resample', 'the contract imports value types only'],
  ['src/api', 'node:path', 'the contract runs in the browser'],
  ['src/host', '../dicom/DicomSlice', 'the host goes through the workstation'],
  ['src/cli', '../dicom/readDicomFolder', 'the CLI goes through the workstation'],
  ['src/cli/commands', '../../engine/Engine', 'the CLI starts engines through the workstation'],
  ['src/cli', '../library/CaseLibrary', 'the CLI reaches the library through the workstation'],
  [
    'src/cli/commands',
    '../../pacs/DicomWebClient',
    'the CLI reaches a PACS through the workstation',
  ],
  ['src/engine', '../../electron/ipcChannels', 'src never imports electron/'],
  ['src/library', '../../renderer/viewer/voxels', 'src never imports renderer/'],
  ['src/pacs', 'electron', 'src never imports Electron'],
  ['electron', '../src/dicom/DicomSlice', 'electron enters the core through its doors'],
  ['electron', '../src/pacs/SecretStore', 'electron hands the workstation a cipher, not a store'],
  ['electron', '../src/host/startHost', 'electron and the host are two transports side by side'],
  ['electron', '../renderer/viewer/voxels', 'electron never imports the renderer'],
  ['renderer/ui', '../../src/workstation/Workstation', 'the renderer imports src/api only'],
  ['renderer/ui', '../../electron/ipcChannels', 'the renderer never imports electron/'],
  ['renderer/ui', 'node:fs', 'the renderer runs in a browser'],
  ['src/volume', '../dicom/noSuchFile', 'an import that resolves to nothing cannot dodge the rule'],
];

/** [folder, import]: each allowed by the same rules. */
const allowed: [string, string][] = [
  ['src/volume', './geometry'],
  ['src/dicom', '../volume/Volume'],
  ['src/dicom/seg', '../../files/atomicWrite'],
  ['src/library', '../dicom/DicomSlice'],
  ['src/engine', '../nn/segmenter'],
  ['src/workstation', '../engine/Engine'],
  ['src/api', '../volume/geometry'],
  ['src/host', '../workstation/Workstation'],
  ['src/cli/commands', '../../workstation/createWorkstation'],
  ['src/cli/commands', '../../workstation/batch/segmentBatch'],
  ['electron', '../src/workstation/Workstation'],
  ['renderer/ui', '../../src/api'],
];

for (const [folder, specifier, why] of forbidden) {
  test(`lint refuses ${specifier} in ${folder}/ (${why})`, async () => {
    const broken = await ruleIdsIn(folder, probe(specifier));
    assert.ok(
      broken.some((m) =>
        /^(import-x\/no-restricted-paths|import-x\/no-unresolved|no-restricted-imports):/.test(m),
      ),
      `${relative(root, join(root, folder))}: ${broken.join('; ') || 'no error'}`,
    );
  });
}

for (const [folder, specifier] of allowed) {
  test(`lint accepts ${specifier} in ${folder}/`, async () => {
    assert.deepEqual(await ruleIdsIn(folder, probe(specifier)), []);
  });
}
