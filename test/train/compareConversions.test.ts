import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import {
  COMPARE_CONFIGURATIONS,
  compareConversions,
} from '../../src/engine/train/compareConversions';
import type { CompareReport } from '../../src/engine/train/compareConversions';
import { buildSegmenter, configFromCard, exportStateDict } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({ name: 'compare (test)', conversion: { from: '2d', method: 'none' } });

before(async () => {
  await tf.setBackend('wasm');
});

test('the compare job trains all six configurations from one set of 2D weights and writes its report', async () => {
  const model2d = buildSegmenter(configFromCard({ ...card, kind: '2d' }), { seed: 2 });
  const weights2d = exportStateDict(model2d);
  const outDir = mkdtempSync(join(tmpdir(), 'compare-'));
  const seen = new Set<string>();
  const report = await compareConversions({
    weights2d,
    card,
    train: [colinCase('ch2bet.nii.gz', 8)],
    validation: [colinCase('ch2.nii.gz', 8)],
    options: { epochs: 1, stepsPerEpoch: 2, batchSize: 1, seed: 4 },
    outDir,
    onProgress: (name) => seen.add(name),
  });
  assert.deepEqual(
    report.rows.map((r) => r.name),
    COMPARE_CONFIGURATIONS.map((c) => c.name),
  );
  assert.equal(seen.size, 6);
  for (const row of report.rows) {
    assert.ok(row.meanIou >= 0 && row.meanIou <= 1, `${row.name}: IoU ${row.meanIou}`);
    assert.equal(row.curve.length, 1);
  }
  const written = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as CompareReport;
  assert.deepEqual(
    written.rows.map((r) => r.meanIou),
    report.rows.map((r) => r.meanIou),
  );
  const html = readFileSync(join(outDir, 'report.html'), 'utf8');
  for (const c of COMPARE_CONFIGURATIONS) assert.ok(html.includes(c.name));
  assert.ok(existsSync(join(outDir, '6-acs-none', 'best', 'model.json')));
});
