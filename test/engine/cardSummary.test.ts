import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelCardSummarySchema } from '../../src/api';
import { summarizeCard } from '../../src/engine/models/cardSummary';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';

test('the shipped network model: its card summary carries the card’s facts', async () => {
  const [model] = await loadModelEntries('assets/models');
  assert.ok(model && model.kind === 'network');
  const summary = modelCardSummarySchema.parse(summarizeCard(model));
  const card = model.card;
  assert.equal(summary.kind, card.kind);
  assert.deepEqual(summary.classes, card.classes);
  assert.deepEqual(summary.inputSpacing, card.inputSpacing);
  assert.deepEqual(summary.patchSize, card.patchSize);
  assert.deepEqual(summary.metrics, card.metrics);
  assert.deepEqual(summary.trainedOn, card.trainedOn);
  assert.match(summary.architecture, new RegExp(`^${card.architecture}`));
  assert.equal(
    summary.conversion,
    card.conversion.from === 'none'
      ? 'none'
      : `${card.conversion.from} → ${card.kind} (${card.conversion.method})`,
  );
  assert.ok(summary.normalisation.length > 5);
});

test('the fixed-weight test model: kind threshold, no spacing, its threshold named', async () => {
  const [model] = await loadModelEntries('test/fixtures/models');
  assert.ok(model && model.kind === 'threshold');
  const summary = modelCardSummarySchema.parse(summarizeCard(model));
  assert.equal(summary.kind, 'threshold');
  assert.equal(summary.inputSpacing, null);
  assert.match(summary.normalisation, new RegExp(String(model.card.threshold)));
});
