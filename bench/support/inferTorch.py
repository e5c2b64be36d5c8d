"""The engine's whole-volume inference written in PyTorch on CPU, for `npm run bench -- infer`.

Same network (the ACS ResNet-18 segmenter of test/nn/reference/torch_reference.py, built from the
same torchvision weights), same pipeline as src/engine/inference: z-score normalisation, a sliding
window with the same patch starts (overlap 0.5), Gaussian importance weights (sigma = patch/8,
scaled to 1, floored at the smallest positive), patches in batches of the same size, logits summed
with their weights into slabs one patch deep (never a float per class per voxel of the whole
volume), argmax of each finished slab.

Usage: inferTorch.py weights OUT_DIR [--classes 3]
       inferTorch.py run OUT_DIR --volume V.bin --dims D,H,W --patch P --batch B --threads T
Prints one JSON line: seconds (the pipeline, not loading), peak RSS (bytes, of this process).
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "nn", "reference"))
from torch_reference import Reference, make_weights, write_safetensors  # noqa: E402


def axis_starts(size, patch, overlap):
    if size <= patch:
        return [0]
    step = max(1, math.floor(patch * (1 - overlap)))
    count = math.ceil((size - patch) / step) + 1
    span = size - patch
    return [round(n * span / (count - 1)) for n in range(count)]


def gaussian(patch):
    axes = []
    for size in patch:
        centre = (size - 1) / 2
        sigma = max(size / 8, 1e-6)
        axes.append(np.exp(-((np.arange(size) - centre) ** 2) / (2 * sigma * sigma)))
    g = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    g = g / g.max()
    g[g <= 0] = g[g > 0].min()
    return torch.from_numpy(g.astype(np.float32))


def run(args):
    torch.set_num_threads(args.threads)
    classes = args.classes
    net, dec = make_weights(classes)
    params2d = {k: v for k, v in list(net.state_dict().items()) + list(dec.state_dict().items())
                if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    model = Reference("acs", params2d).eval()
    d, h, w = [int(v) for v in args.dims.split(",")]
    p = args.patch
    volume = np.fromfile(args.volume, dtype=np.int16).reshape(d, h, w)
    started = time.time()
    with torch.no_grad():
        # statistics slice by slice: a float64 copy of a 512x512x1069 volume would be 2.2 GB
        total, squares = 0.0, 0.0
        for plane in volume:
            plane = plane.astype(np.float64)
            total += plane.sum()
            squares += (plane * plane).sum()
        mean = total / volume.size
        std = math.sqrt(max(squares / volume.size - mean * mean, 0.0))
        image = torch.from_numpy(((volume - mean) / max(std, 1e-8)).astype(np.float32))
        # pad to at least one patch, as the engine's patch source does
        pd, ph, pw = max(d, p), max(h, p), max(w, p)
        if (pd, ph, pw) != (d, h, w):
            image = torch.nn.functional.pad(image, (0, pw - w, 0, ph - h, 0, pd - d))
        g = gaussian((p, p, p))
        labels = np.empty((d, h, w), dtype=np.uint8)
        zs, ys, xs = (axis_starts(pd, p, 0.5), axis_starts(ph, p, 0.5), axis_starts(pw, p, 0.5))
        acc = torch.zeros(classes, p, ph, pw)
        wacc = torch.zeros(p, ph, pw)
        base = 0  # first slice the slab holds

        def flush(upto):
            nonlocal base
            n = upto - base
            if n <= 0:
                return
            out = (acc[:, :n] / wacc[:n]).argmax(0).numpy().astype(np.uint8)
            keep = min(n, d - base)
            if keep > 0:
                labels[base:base + keep] = out[:keep, :h, :w]
            acc[:, :p - n] = acc[:, n:].clone()
            acc[:, p - n:] = 0
            wacc[:p - n] = wacc[n:].clone()
            wacc[p - n:] = 0
            base = upto

        positions = [(y, x) for y in ys for x in xs]
        for z in zs:
            flush(z)
            for b in range(0, len(positions), args.batch):
                chunk = positions[b:b + args.batch]
                batch = torch.stack([image[z:z + p, y:y + p, x:x + p] for y, x in chunk])
                logits = model(batch.unsqueeze(1).expand(-1, 3, -1, -1, -1))
                for (y, x), l in zip(chunk, logits):
                    acc[:, :, y:y + p, x:x + p] += l * g
                    wacc[:, y:y + p, x:x + p] += g
        flush(base + p)
    seconds = time.time() - started
    if args.labels_out:
        labels.tofile(args.labels_out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peakRss": peak, "threads": torch.get_num_threads(),
                      "patches": len(zs) * len(positions), "torch": torch.__version__}))


def weights(args):
    net, dec = make_weights(args.classes)
    torch.save(net.state_dict(), os.path.join(args.out, "resnet18.pth"))
    write_safetensors(os.path.join(args.out, "decoder.safetensors"), dec.state_dict())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["weights", "run"])
    ap.add_argument("out")
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--volume")
    ap.add_argument("--dims")
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--labels-out")
    args = ap.parse_args()
    (weights if args.mode == "weights" else run)(args)


if __name__ == "__main__":
    main()
