import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  describe as describeNet,
  isEncoderParameter,
  parameterShapes,
} from '../../src/nn/architecture';
import { segmenterConfig } from '../../src/nn/segmenter';
import { PYTHON, torchMissing } from './torchReference';

for (const architecture of ['resnet18', 'resnet34'] as const) {
  test(
    `${architecture}: encoder names and shapes are torchvision's`,
    { skip: torchMissing() },
    () => {
      const code = `import json, torchvision
m = getattr(torchvision.models, '${architecture}')()
print(json.dumps({k: list(v.shape) for k, v in m.state_dict().items()}))`;
      const run = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const theirs = JSON.parse(run.stdout) as Record<string, number[]>;
      const ours = parameterShapes(segmenterConfig({ architecture, kind: '2d' }));
      const expected = Object.entries(theirs).filter(
        ([n]) => !n.startsWith('fc.') && !n.endsWith('num_batches_tracked'),
      );
      const encoder = [...ours].filter(([n]) => isEncoderParameter(n));
      assert.deepEqual(new Map(encoder), new Map(expected));
    },
  );
}

test('dilated variant: layers 3 and 4 keep stride 8 with dilation 2 and 4', () => {
  const a = describeNet(segmenterConfig({ dilated: true }));
  assert.deepEqual(a.strides, [2, 4, 8, 8, 8]);
  assert.deepEqual(
    a.layers.map((layer) => layer.map((b) => [b.conv1.stride, b.conv1.dilation, b.conv2.dilation])),
    [
      [
        [1, 1, 1],
        [1, 1, 1],
      ],
      [
        [2, 1, 1],
        [1, 1, 1],
      ],
      [
        [1, 1, 1],
        [1, 2, 2],
      ],
      [
        [1, 2, 2],
        [1, 4, 4],
      ],
    ],
  );
  assert.equal(a.layers[2][0].downsample?.conv.stride, 1);
});
