// Trains the model the app ships (assets/models/brain-tissue-acs), the way the design says a
// user would: a 2D ResNet-18 trained on the 2D slices first (the paper's 2D baseline), its
// weights converted to ACS, then fine-tuned in 3D. Data: Debian's mricron-data Colin27 T1 at
// 2 mm with the AAL atlas (background, the AAL atlas' labelled regions, other brain), trained on the
// skull-stripped image and validated on the same subject's image with skull.
// Usage: npm run train:default-model [-- <out-dir>]   (about 10 minutes on two cores)
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainModel } from '../src/engine/train/trainModel';
import type { TrainingCase } from '../src/engine/train/TrainingCase';
import {
  buildSegmenter,
  configFromCard,
  convertStateDict,
  exportStateDict,
  loadModel,
  saveModel,
  type ModelCard,
} from '../src/nn';
import { tf } from '../src/nn/tf';
import type { StateDict } from '../src/nn/weights/hostTensor';
import { colinCase } from './mricronCases';

const outDir = process.argv[2] ?? 'assets/models/brain-tissue-acs';

const card: ModelCard = {
  format: 'acs-workstation-model',
  version: 1,
  name: 'Brain tissue (ACS ResNet-18, narrow)',
  architecture: 'resnet18',
  kind: 'acs',
  dilated: false,
  baseWidth: 8,
  decoderChannels: [32, 16, 16, 8],
  depthKernel: 0,
  conversion: { from: '2d', method: 'none' },
  input: { channels: 3, slices: 'repeat' },
  classes: ['background', 'AAL atlas regions', 'other brain'],
  modality: 'MR',
  inputSpacing: [2, 2, 2],
  intensity: { kind: 'zscore' },
  patchSize: [32, 32, 32],
  trainedOn: [],
  metrics: {},
  weights: 'weights.safetensors',
};

async function stage(
  label: string,
  stageCard: ModelCard,
  weights: StateDict | undefined,
  train: TrainingCase[],
  validation: TrainingCase[],
  epochs: number,
  stepsPerEpoch: number,
  batchSize: number,
) {
  const dir = mkdtempSync(join(tmpdir(), `default-model-${label}-`));
  const model = buildSegmenter(configFromCard(stageCard), {
    weights,
    required: () => false,
    seed: 7,
  });
  const started = Date.now();
  const result = await trainModel({
    model,
    card: stageCard,
    train,
    validation,
    options: { epochs, stepsPerEpoch, batchSize, seed: 7 },
    checkpointDir: dir,
    onEpoch: (r) =>
      console.log(
        `${label} epoch ${r.epoch}: loss ${r.loss.toFixed(3)}, validation mean Dice ${r.meanDice.toFixed(3)}, IoU ${r.meanIou.toFixed(3)} (${r.seconds.toFixed(0)} s)`,
      ),
  });
  console.log(`${label}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { ...result, dir };
}

await tf.setBackend('wasm');
const train = [colinCase('ch2bet.nii.gz', 2)];
const validation = [colinCase('ch2.nii.gz', 2)];

const card2d: ModelCard = {
  ...card,
  kind: '2d',
  conversion: { from: 'none', method: 'random' },
  patchSize: [1, 64, 64],
};
const first = await stage('2D', card2d, undefined, train, validation, 4, 50, 4);
const weights2d = exportStateDict((await loadModel(first.bestDir)).model);

const acs = await stage(
  'ACS',
  card,
  convertStateDict(weights2d, configFromCard(card), { method: 'centre' }),
  train,
  validation,
  8,
  40,
  2,
);
const best = await loadModel(acs.bestDir);
const last = acs.state.history.reduce((a, b) => (b.meanDice > a.meanDice ? b : a));
await saveModel(outDir, best.model, {
  ...best.card,
  trainedOn: train.map((c) => c.id),
  metrics: {
    validationMeanDice: last.meanDice,
    validationMeanIou: last.meanIou,
    ...Object.fromEntries(
      card.classes.slice(1).map((name, n) => [`validationDice: ${name}`, last.dice[n + 1]]),
    ),
    epochs2d: 4,
    epochsAcs: last.epoch,
  },
});
for (const dir of [first.dir, acs.dir]) rmSync(dir, { recursive: true, force: true });
console.log(
  `saved ${outDir}: validation (${validation[0].id}) mean Dice ${last.meanDice.toFixed(3)}, IoU ${last.meanIou.toFixed(3)}`,
);
