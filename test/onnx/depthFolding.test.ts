import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DepthFolding, type ConvPart } from '../../src/onnx/depthFolding';
import { OPSET, IR_VERSION } from '../../src/onnx/exportSegmenter';
import { GraphBuilder, tensorInfo } from '../../src/onnx/graphBuilder';
import { encodeModel } from '../../src/onnx/schema';
import { checkWithOnnx, cpuRuntime } from './onnxHelpers';

// The depth-folded building blocks against the 5D operators they replace, in ONNX Runtime:
// each graph computes both from one 5D input and the test compares the two outputs.

const SHAPE = [2, 0, 8, 8, 12]; // [N, C, D, H, W], C per case; not cubic, so axes cannot mix
const graphs = new Map<string, Uint8Array>();

let seed = 5;
function random(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  });
}

/** Runs `build` (the folded form, written after the 5D `reference`) on a random [N, C, D, H, W]. */
async function compare(
  name: string,
  channels: number,
  build: (g: GraphBuilder, folding: DepthFolding) => { folded: string; reference: string },
): Promise<number> {
  const g = new GraphBuilder();
  const folding = new DepthFolding(g, 'input');
  const { folded, reference } = build(g, folding);
  g.node('Identity', [folded], {}, 'folded');
  g.node('Identity', [reference], {}, 'reference');
  const dims = ['n', channels, 'd', 'h', 'w'];
  const bytes = encodeModel({
    ir_version: IR_VERSION,
    producer_name: 'test',
    producer_version: '0',
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: [],
    graph: {
      name,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorInfo('input', dims)],
      output: [
        tensorInfo('folded', ['a', 'b', 'c', 'd', 'e']),
        tensorInfo('reference', ['a', 'b', 'c', 'd', 'e']),
      ],
    },
  });
  graphs.set(name, bytes);
  const rt = await cpuRuntime();
  const session = await rt.ort.InferenceSession.create(bytes, rt.sessionOptions);
  const shape = SHAPE.map((v, i) => (i === 1 ? channels : v));
  const x = new rt.ort.Tensor('float32', random(shape.reduce((a, b) => a * b)), shape);
  const out = await session.run({ input: x });
  await session.release();
  const a = out.folded;
  const b = out.reference;
  assert.deepEqual(a.dims, b.dims, `${name}: shapes differ`);
  const p = a.data as Float32Array;
  const q = b.data as Float32Array;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < p.length; i++) {
    worst = Math.max(worst, Math.abs(p[i] - q[i]));
    scale = Math.max(scale, Math.abs(q[i]));
  }
  assert.ok(scale > 0.1, `${name}: the reference is all but zero`);
  return worst;
}

interface ConvCase {
  name: string;
  cin: number;
  cout: number;
  taps: number;
  kernel: [number, number];
  stride: number;
  depthStride: number;
  dilation: number;
}

const CONVS: ConvCase[] = [
  {
    name: '3x3x3, taps as output rows',
    cin: 16,
    cout: 8,
    taps: 3,
    kernel: [3, 3],
    stride: 1,
    depthStride: 1,
    dilation: 1,
  },
  {
    name: '3x3x3 stride 2 (depth phases)',
    cin: 16,
    cout: 16,
    taps: 3,
    kernel: [3, 3],
    stride: 2,
    depthStride: 2,
    dilation: 1,
  },
  {
    name: '3x3x3 dilation 2',
    cin: 16,
    cout: 5,
    taps: 3,
    kernel: [3, 3],
    stride: 1,
    depthStride: 1,
    dilation: 2,
  },
  {
    name: 'stem 7x7x7 stride 2 on 3 channels (taps as input channels)',
    cin: 3,
    cout: 8,
    taps: 7,
    kernel: [7, 7],
    stride: 2,
    depthStride: 2,
    dilation: 1,
  },
  {
    name: 'coronal (3,1,3), stride 2',
    cin: 16,
    cout: 7,
    taps: 3,
    kernel: [1, 3],
    stride: 2,
    depthStride: 2,
    dilation: 1,
  },
  {
    name: 'sagittal (3,3,1), dilation 2',
    cin: 16,
    cout: 6,
    taps: 3,
    kernel: [3, 1],
    stride: 1,
    depthStride: 1,
    dilation: 2,
  },
  {
    name: '3x3x3 in-plane stride only (depth-stride-free)',
    cin: 16,
    cout: 8,
    taps: 3,
    kernel: [3, 3],
    stride: 2,
    depthStride: 1,
    dilation: 1,
  },
  {
    name: '(3,7,7) stride 2 on 3 channels',
    cin: 3,
    cout: 4,
    taps: 3,
    kernel: [7, 7],
    stride: 2,
    depthStride: 2,
    dilation: 1,
  },
];

for (const c of CONVS) {
  test(`folded convolution equals the 5D Conv: ${c.name}`, async (t) => {
    const [kh, kw] = c.kernel;
    const pad = (k: number) => (c.dilation * (k - 1)) / 2;
    const weight = random(c.cout * c.cin * c.taps * kh * kw).map((v) => v * 0.5);
    const bias = random(c.cout);
    const diff = await compare(c.name, c.cin, (g, folding) => {
      const w = g.constant('w', [c.cout, c.cin, c.taps, kh, kw], weight);
      const b = g.constant('b', [c.cout], bias);
      const pads = [pad(c.taps), pad(kh), pad(kw)];
      const reference = g.node('Conv', ['input', w, b], {
        kernel_shape: [c.taps, kh, kw],
        strides: [c.depthStride, c.stride, c.stride],
        pads: [...pads, ...pads],
        dilations: [c.dilation, c.dilation, c.dilation],
      });
      const part: ConvPart = {
        size: c.cout,
        depthTaps: c.taps,
        depthPad: pad(c.taps),
        depthDilation: c.dilation,
        kernel: c.kernel,
        pads: [pad(kh), pad(kw)],
        dilations: [c.dilation, c.dilation],
        weight,
        bias,
      };
      const [y] = folding.conv(
        folding.fold('input', c.cin),
        'conv',
        [part],
        c.stride,
        c.depthStride,
      );
      return { reference, folded: folding.unfold(y) };
    });
    t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-4, `${c.name}: differs by ${diff}`);
  });
}

test('folded max pooling equals MaxPool 3x3x3 (and 1x3x3 without depth strides)', async () => {
  for (const inDepth of [true, false]) {
    const diff = await compare(`pool ${inDepth}`, 16, (g, folding) => ({
      reference: g.node('MaxPool', ['input'], {
        kernel_shape: [inDepth ? 3 : 1, 3, 3],
        strides: [inDepth ? 2 : 1, 2, 2],
        pads: inDepth ? [1, 1, 1, 1, 1, 1] : [0, 1, 1, 0, 1, 1],
      }),
      folded: folding.unfold(folding.maxPool(folding.fold('input', 16), inDepth)),
    }));
    assert.equal(diff, 0);
  }
});

test('folded nearest upsampling and the output path equal 5D nearest Resize', async () => {
  // On a pooled tensor (the network upsamples only what it has downsampled).
  for (const inDepth of [true, false]) {
    const scales = Float32Array.from([1, 1, inDepth ? 2 : 1, 2, 2]);
    const pooled = (g: GraphBuilder) =>
      g.node('MaxPool', ['input'], {
        kernel_shape: [inDepth ? 3 : 1, 3, 3],
        strides: [inDepth ? 2 : 1, 2, 2],
        pads: inDepth ? [1, 1, 1, 1, 1, 1] : [0, 1, 1, 0, 1, 1],
      });
    const up = await compare(`upsample ${inDepth}`, 4, (g, folding) => ({
      reference: resize5d(g, scales, pooled(g)),
      folded: folding.unfold(
        folding.upsample(folding.maxPool(folding.fold('input', 4), inDepth), 2, inDepth),
      ),
    }));
    assert.equal(up, 0);
    const out = await compare(`output ${inDepth}`, 4, (g, folding) => ({
      reference: resize5d(g, scales, pooled(g)),
      folded: folding.output(folding.maxPool(folding.fold('input', 4), inDepth), 2, 'out'),
    }));
    assert.equal(out, 0);
  }
});

function resize5d(g: GraphBuilder, scales: Float32Array, x: string): string {
  const name = `scales_${g.nodes.length}`;
  g.constant(name, [5], scales);
  return g.node('Resize', [x, '', name], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
}

test('every depth-folding test graph passes onnx.checker.check_model(full_check=True)', (t) => {
  const { skipped, failures } = checkWithOnnx(graphs);
  if (skipped) return t.skip(skipped);
  assert.ok(graphs.size >= CONVS.length + 4, `only ${graphs.size} graphs`);
  assert.deepEqual(failures, []);
});
