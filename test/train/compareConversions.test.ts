import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import {
  COMPARE_CONFIGURATIONS,
  compareConversions,
  comparePlan,
} from '../../src/engine/train/compareConversions';
import type {
  CompareCase,
  CompareNormalisation,
  CompareReport,
} from '../../src/engine/train/compareConversions';
import { segmentationMetrics } from '../../src/engine/train/metrics';
import { buildSegmenter, configFromCard, exportStateDict, loadModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { readNifti } from '../../src/nifti/readNifti';
import { caseKey } from '../../src/workstation/training/caseKey';
import { crossValidationFolds } from '../../src/workstation/training/splitCases';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({ name: 'compare (test)', patchSize: [32, 32, 32] });

before(async () => {
  await tf.setBackend('wasm');
});

/** Three real MR cases (Colin27 at 8 and 7 mm, with and without skull), keyed by content. */
function cases(): CompareCase[] {
  return (
    [
      ['ch2bet.nii.gz', 8],
      ['ch2.nii.gz', 8],
      ['ch2bet.nii.gz', 7],
    ] as const
  ).map(([image, f]) => {
    const c = colinCase(image, f);
    return { ...c, id: caseKey(c.volume, c.labels), name: c.id };
  });
}

async function run(
  list: CompareCase[],
  outDir: string,
  normalisation: CompareNormalisation = 'batch',
): Promise<CompareReport> {
  const model2d = buildSegmenter(configFromCard({ ...card, kind: '2d' }), { seed: 2 });
  const weights2d = exportStateDict(model2d);
  const folds = crossValidationFolds(list, (c) => c.id, 4, 3, 1).map((f) => ({
    ...f,
    train: f.train.map((c) => c.id),
    validation: f.validation.map((c) => c.id),
    test: f.test.map((c) => c.id),
  }));
  return compareConversions({
    weights2d,
    baseCard: { ...card, kind: '2d', patchSize: [1, 32, 32] },
    card,
    cases: list,
    folds,
    options: { epochs: 1, stepsPerEpoch: 1, batchSize: 1, seed: 4 },
    outDir,
    normalisation,
  });
}

test('every configuration gets the same labelled voxels per step; the 2D baseline gets whole slices', () => {
  const plans = comparePlan(card, 2);
  assert.deepEqual(
    plans.map((p) => p.name),
    COMPARE_CONFIGURATIONS.map((c) => c.name),
  );
  for (const p of plans) assert.equal(p.voxelsPerStep, 2 * 32 * 32 * 32, p.name);
  const flat = plans[0];
  assert.deepEqual([flat.patchSize, flat.batchSize], [[1, 32, 32], 64]);
  for (const p of plans.slice(1)) assert.deepEqual([p.patchSize, p.batchSize], [[32, 32, 32], 2]);
  // ResNet's output stride 32: one 32^3 patch leaves one value per channel at layer4 in 3D
  assert.equal(comparePlan(card, 1)[1].batchNorm, 'frozen');
  assert.ok(plans.every((p) => p.batchNorm === 'batch'));
  // a depth-stride-free 3D encoder keeps 32 values a channel at layer4, even at batch 1
  const planar = comparePlan({ ...card, depthStrides: false }, 1);
  assert.deepEqual(
    planar.map((p) => [p.kind, p.deepestBatchNormValues, p.batchNorm]),
    [
      ['2d', 32, 'batch'],
      ['3d', 32, 'batch'],
      ['3d', 32, 'batch'],
      ['3d', 32, 'batch'],
      ['3d', 32, 'batch'],
      ['acs', 1, 'frozen'],
    ],
  );
});

test('cross-validated comparison: same numbers in any case order, rows recomputed from the held-out labelmaps', async () => {
  const list = cases();
  const outA = mkdtempSync(join(tmpdir(), 'compare-a-'));
  const outB = mkdtempSync(join(tmpdir(), 'compare-b-'));
  const a = await run(list, outA);
  const b = await run([...list].reverse(), outB);
  const numbers = (r: CompareReport) =>
    JSON.stringify(
      r.rows.map((row) => [
        row.heldOut,
        row.folds.map((f) => [f.curve.map((e) => [e.loss, e.iou]), f.selectedEpoch]),
      ]),
    );
  assert.equal(numbers(a), numbers(b), 'bit for bit in either order');
  assert.deepEqual(a.folds, b.folds);
  assert.deepEqual(a.cases, b.cases);

  const written = JSON.parse(readFileSync(join(outA, 'report.json'), 'utf8')) as CompareReport;
  assert.deepEqual(
    written.rows.map((r) => r.name),
    COMPARE_CONFIGURATIONS.map((c) => c.name),
  );
  assert.equal(written.folds.length, 3);
  for (const f of written.folds) {
    // held-out cases are never trained or selected on
    for (const k of f.test) assert.ok(!f.train.includes(k) && !f.validation.includes(k));
  }
  const truth = new Map(written.cases.map((c) => [c.key, readNifti(join(outA, c.labels))]));
  const classes = written.classes.length;
  for (const row of written.rows) {
    assert.equal(row.heldOut.length, 3, `${row.name}: each case held out once`);
    // Recompute every case's IoU from the files, then the row's mean and SD over cases.
    const perCase = row.heldOut.map((h) => {
      const predicted = readNifti(join(outA, h.labelmap));
      const reference = truth.get(h.case);
      assert.ok(reference, h.case);
      const m = segmentationMetrics(
        Uint8Array.from(predicted.volume.voxels),
        Uint8Array.from(reference.volume.voxels),
        classes,
      );
      for (const [k, v] of m.iou.entries()) assert.ok(Math.abs(v - h.iou[k]) < 1e-6);
      return m.meanIou;
    });
    const mean = perCase.reduce((s, v) => s + v, 0) / perCase.length;
    const sd = Math.sqrt(perCase.reduce((s, v) => s + (v - mean) ** 2, 0) / (perCase.length - 1));
    assert.ok(Math.abs(mean - row.meanIou) < 1e-6, `${row.name}: ${mean} vs ${row.meanIou}`);
    assert.ok(Math.abs(sd - row.sdIou) < 1e-6, `${row.name}: SD ${sd} vs ${row.sdIou}`);
    assert.equal(row.classIou.length, classes);
    assert.equal(row.pVs2d === null, row.kind === '2d');
  }
  const html = readFileSync(join(outA, 'report.html'), 'utf8');
  for (const c of COMPARE_CONFIGURATIONS) assert.ok(html.includes(c.name));
  for (const c of written.cases) assert.ok(html.includes(c.name) && html.includes(c.key));
  assert.match(html, /without background/);
  assert.ok(existsSync(join(outA, 'r1-f1', '6-acs-none', 'best', 'model.json')));
  assert.deepEqual(written.training.backends, ['wasm']);
});

test('calibrated normalisation: every configuration recomputes its running statistics, then trains frozen', async () => {
  const plans = comparePlan(card, 2, 'calibrated');
  for (const p of plans) {
    assert.equal(p.batchNorm, 'frozen', p.name);
    // the same patches' voxels in every configuration's calibration
    assert.equal((p.calibration?.batch ?? 0) * p.patchSize[0], 8 * 32, p.name);
  }
  assert.ok(comparePlan(card, 2).every((p) => p.calibration === null));
  const out = mkdtempSync(join(tmpdir(), 'compare-calibrated-'));
  const report = await run(cases(), out, 'calibrated');
  assert.equal(report.normalisation, 'calibrated');
  // Random init starts at running mean 0 and variance 1, and frozen training never changes
  // them: the selected checkpoint's statistics are the calibration's, fitted to the patches.
  const saved = await loadModel(join(out, 'r1-f1', '2-3d-random', 'best'));
  const state = exportStateDict(saved.model);
  const mean = state.get('conv1.bn.running_mean') ?? state.get('bn1.running_mean');
  const variance = state.get('conv1.bn.running_var') ?? state.get('bn1.running_var');
  assert.ok(mean && variance, [...state.keys()].slice(0, 8).join(', '));
  assert.ok(Math.max(...Array.from(mean.data, Math.abs)) > 1e-3, `stem mean ${mean.data}`);
  assert.ok(
    Array.from(variance.data).some((v) => Math.abs(v - 1) > 1e-2),
    `${variance.data}`,
  );
  for (const row of report.rows) assert.ok(Number.isFinite(row.meanIou), row.name);
});
