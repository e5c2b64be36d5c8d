import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { buildSegmenter, configFromCard, saveModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { writeNifti } from '../../src/nifti/writeNifti';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

// Two real annotated MR cases as image / labels NIfTI pairs at 5 mm (36 x 43 x 36 voxels).
const work = mkdtempSync(join(tmpdir(), 'cli-train-'));
const models = join(work, 'models');
const pairs: string[] = [];

before(async () => {
  await tf.setBackend('wasm');
  const card = tinyCard({
    name: 'tiny 2D',
    kind: '2d',
    inputSpacing: [5, 5, 5],
    patchSize: [1, 32, 32],
  });
  await saveModel(join(models, 'tiny-2d'), buildSegmenter(configFromCard(card), { seed: 1 }), card);
  for (const [n, image] of (['ch2bet.nii.gz', 'ch2.nii.gz'] as const).entries()) {
    const c = colinCase(image, 5);
    const img = join(work, `case${n}.nii.gz`);
    const lab = join(work, `case${n}-labels.nii.gz`);
    await writeNifti(img, c.volume.geometry, c.volume.voxels, { overwrite: false });
    await writeNifti(lab, c.volume.geometry, c.labels, { overwrite: false });
    pairs.push('--image', img, '--labels', lab);
  }
});

const env = {
  ...process.env,
  WORKSTATION_TF_BACKENDS: 'wasm',
  WORKSTATION_DATA: join(work, 'data'),
};

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env,
  });
}

function events(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const budget = ['--epochs', '1', '--steps', '1', '--batch', '1', '--models', models];

test('every new command has --help, and bad command lines exit 2', () => {
  for (const [command, word] of [
    ['train', '--resume'],
    ['compare', 'report.html'],
    ['export', 'DICOM Segmentation'],
    ['bench', 'infer'],
  ]) {
    const run = cli(command, '--help');
    assert.equal(run.status, 0, `${command} --help`);
    assert.ok(run.stdout.includes(word), `${command} --help mentions ${word}`);
  }
  assert.equal(cli('train', '--models', models).status, 2);
  assert.equal(cli('train', '--base', 'tiny-2d', '--image', 'x.nii').status, 2);
  assert.equal(cli('train', '--base', 'tiny-2d', '--library', '--epochs', 'zero').status, 2);
  assert.equal(cli('train', '--no-such-option').status, 2);
  assert.equal(cli('compare', '--base', 'tiny-2d', '--out', work).status, 2);
  const group = cli(
    'compare',
    '--base',
    'tiny-2d',
    ...pairs,
    '--batch-norm',
    'group',
    '--out',
    work,
  );
  assert.equal(group.status, 2);
  assert.match(group.stderr, /--batch-norm must be batch or calibrated, not "group"/);
  assert.equal(cli('export', '--out', join(work, 'x.nii.gz')).status, 2);
  assert.equal(cli('bench', 'no-such-bench').status, 2);
});

test('cli train fine-tunes on image / labels files and writes the new model with its card', () => {
  const run = cli(
    'train',
    '--base',
    'tiny-2d',
    '--kind',
    'acs',
    '--name',
    'CLI ACS',
    ...pairs,
    ...budget,
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = events(run.stderr);
  const split = lines.find((e) => e.split) as {
    split: { train: unknown[]; validation: unknown[] };
  };
  assert.equal(split.split.train.length, 1);
  assert.equal(split.split.validation.length, 1);
  assert.ok(lines.some((e) => e.event === 'progress' && e.phase === 'train'));
  const done = lines.find((e) => e.modelDir) as { modelDir: string; card: string };
  const card = JSON.parse(readFileSync(done.card, 'utf8')) as {
    name: string;
    kind: string;
    trainedOn: string[];
    metrics: { meanDice?: number };
  };
  assert.equal(card.name, 'CLI ACS');
  assert.equal(card.kind, 'acs');
  assert.equal(card.trainedOn.length, 1);
  assert.equal(typeof card.metrics.meanDice, 'number');
});

test('cli train refuses bad inputs with exit code 3 and says which', async () => {
  const missing = cli(
    'train',
    '--base',
    'tiny-2d',
    '--image',
    join(work, 'none.nii.gz'),
    '--labels',
    join(work, 'none.nii.gz'),
    ...budget,
  );
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /none\.nii\.gz: no such file/);
  // labels on another grid (8 mm) than the image (5 mm)
  const coarse = join(work, 'coarse.nii.gz');
  const c = colinCase('ch2bet.nii.gz', 8);
  await writeNifti(coarse, c.volume.geometry, c.labels, { overwrite: true });
  const other = cli(
    'train',
    '--base',
    'tiny-2d',
    '--image',
    join(work, 'case0.nii.gz'),
    '--labels',
    coarse,
    ...budget,
  );
  assert.equal(other.status, 3, other.stderr);
  const unknown = cli('train', '--base', 'no-model', ...pairs, ...budget);
  assert.equal(unknown.status, 3);
  assert.match(unknown.stderr, /no model no-model/);
});

test('Ctrl-C cancels cli train (exit 130), the training is resumable, and --resume finishes it', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'train',
      '--base',
      'tiny-2d',
      '--kind',
      'acs',
      ...pairs,
      '--epochs',
      '3',
      '--steps',
      '2',
      '--batch',
      '1',
      '--models',
      models,
    ],
    { env },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (/"epoch":1/.test(stderr) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  const cancelled = events(stderr).find((e) => e.trainingId && /resume/.test(String(e.text))) as {
    trainingId: string;
  };
  assert.ok(cancelled, stderr);
  const list = cli('train', '--list-resumable', '--models', models);
  assert.equal(list.status, 0);
  assert.match(list.stdout, new RegExp(`${cancelled.trainingId}\\tcancelled\\t[12]/3 epochs`));
  const resumed = cli('train', '--resume', cancelled.trainingId, '--models', models);
  assert.equal(resumed.status, 0, resumed.stderr);
  const done = events(resumed.stderr).find((e) => e.modelDir) as { modelDir: string };
  assert.ok(existsSync(join(done.modelDir, 'model.json')));
  assert.doesNotMatch(
    cli('train', '--list-resumable', '--models', models).stdout,
    new RegExp(cancelled.trainingId),
  );
});

test('cli compare cross-validates the six configurations, prints the folds and the table, writes the report', () => {
  const out = join(work, 'report');
  const run = cli('compare', '--base', 'tiny-2d', ...pairs, ...budget, '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    rows: { name: string; meanIou: number; heldOut: { labelmap: string; iou: number[] }[] }[];
    cases: { key: string; name: string }[];
    folds: { test: string[] }[];
    training: { backends: string[] };
  };
  assert.equal(report.rows.length, 6);
  // compare trains where train does: ONNX Runtime's training-step graph, every configuration
  assert.deepEqual(report.training.backends, ['onnxruntime-cpu']);
  assert.match(run.stdout, /^trained on onnxruntime-cpu \(training-step graph/m);
  assert.match(run.stderr, /training on onnxruntime-cpu/);
  for (const row of report.rows) {
    assert.ok(run.stdout.includes(row.name));
    for (const h of row.heldOut) assert.ok(existsSync(join(out, h.labelmap)), h.labelmap);
  }
  assert.match(run.stdout, /mean IoU/);
  assert.match(run.stdout, /\d\.\d{3} \+- \d\.\d{3}/);
  // the folds are shown, by name and content key (order independence: splitCases.test.ts,
  // compareConversions.test.ts)
  const folds = events(run.stderr).filter((e) => e.fold);
  assert.equal(folds.length, 2);
  for (const c of report.cases) {
    assert.match(c.key, /^[0-9a-f]{16}$/);
    assert.ok(run.stderr.includes(`${c.name} [${c.key}]`));
  }
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /ACS/);
  const acs = cli('compare', '--base', 'tiny-acs-none', ...pairs, ...budget, '--out', out);
  assert.equal(acs.status, 3);
  assert.equal(
    cli('compare', '--base', 'tiny-2d', ...pairs, '--folds', '1', '--out', out).status,
    2,
  );
  const tooMany = cli(
    'compare',
    '--base',
    'tiny-2d',
    ...pairs,
    ...budget,
    '--folds',
    '3',
    '--out',
    out,
  );
  assert.equal(tooMany.status, 3, tooMany.stderr);
  assert.match(tooMany.stderr, /3 folds of 2 cases/);
});
