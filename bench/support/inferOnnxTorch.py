"""PyTorch side of `npm run bench -- inferOnnx`: the same segmenter and weights (the networks' PyTorch
reference, test/nn/reference/torch_reference.py) run over a whole NIfTI volume by the same sliding
window as the engine (patch starts flush with both ends, Gaussian importance sigma = size/8 floored
at its smallest positive value, min-max intensities, zero padding), argmax per voxel.

Usage: inferOnnxTorch.py OUT_DIR VOLUME --kind acs --patch 64 --overlap 0.5 --batch 2 --threads 2
Writes OUT_DIR/resnet18.pth and decoder.safetensors (the weights, for the ONNX side) and
OUT_DIR/result.json: wall ms, peak RSS, and the voxel count per label.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import nibabel
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "nn", "reference"))
import torch_reference as ref  # noqa: E402


def axis_starts(size, patch, overlap):
    if size <= patch:
        return [0]
    step = max(1, math.floor(patch * (1 - overlap)))
    count = math.ceil((size - patch) / step) + 1
    span = size - patch
    # JavaScript's Math.round: halves go up.
    return [math.floor(n * span / (count - 1) + 0.5) for n in range(count)]


def gaussian(patch):
    axes = []
    for size in patch:
        centre, sigma = (size - 1) / 2, max(size / 8, 1e-6)
        axes.append(np.exp(-((np.arange(size) - centre) ** 2) / (2 * sigma * sigma)))
    g = (axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]).astype(np.float32)
    g /= g.max()
    g[g <= 0] = g[g > 0].min()
    return torch.from_numpy(g)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("volume")
    ap.add_argument("--kind", default="acs")
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--overlap", type=float, default=0.5)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    net, dec = ref.make_weights(args.classes)
    torch.save(net.state_dict(), os.path.join(args.out, "resnet18.pth"))
    ref.write_safetensors(os.path.join(args.out, "decoder.safetensors"), dec.state_dict())
    params2d = {k: v for k, v in list(net.state_dict().items()) + list(dec.state_dict().items())
                if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    model = ref.Reference(args.kind, params2d, "average")
    del net, dec, params2d

    start = time.perf_counter()
    voxels = np.asarray(nibabel.load(args.volume).dataobj).T  # [z][y][x]
    lo, hi = float(voxels.min()), float(voxels.max())
    volume = torch.from_numpy(((voxels.astype(np.float32) - lo) / max(hi - lo, 1e-12)))
    d, h, w = volume.shape
    p = args.patch
    weights = gaussian([p, p, p])
    sums = torch.zeros(args.classes, d, h, w)
    norms = torch.zeros(d, h, w)
    starts = [(z, y, x) for z in axis_starts(d, p, args.overlap)
              for y in axis_starts(h, p, args.overlap) for x in axis_starts(w, p, args.overlap)]
    with torch.no_grad():
        for first in range(0, len(starts), args.batch):
            batch = starts[first:first + args.batch]
            x = torch.zeros(len(batch), 3, p, p, p)
            for n, (z0, y0, x0) in enumerate(batch):
                crop = volume[z0:z0 + p, y0:y0 + p, x0:x0 + p]
                x[n, :, :crop.shape[0], :crop.shape[1], :crop.shape[2]] = crop
            probs = torch.softmax(model(x), 1)
            for n, (z0, y0, x0) in enumerate(batch):
                dz, dy, dx = min(p, d - z0), min(p, h - y0), min(p, w - x0)
                wt = weights[:dz, :dy, :dx]
                sums[:, z0:z0 + dz, y0:y0 + dy, x0:x0 + dx] += probs[n, :, :dz, :dy, :dx] * wt
                norms[z0:z0 + dz, y0:y0 + dy, x0:x0 + dx] += wt
    labels = torch.argmax(sums / norms, 0)
    ms = (time.perf_counter() - start) * 1e3
    counts = torch.bincount(labels.flatten(), minlength=args.classes).tolist()
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump({
            "ms": ms,
            "patches": len(starts),
            "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "counts": counts,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
        }, f)


if __name__ == "__main__":
    main()
