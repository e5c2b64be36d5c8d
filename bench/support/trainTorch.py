"""One fine-tuning epoch of the ACS ResNet-18 segmenter in PyTorch on CPU, for `npm run bench -- train`.

The same work as an epoch of the engine's training (src/engine/train/trainModel.ts) with the
benchmark's augmentation: random patches from the case, a third centred on foreground, random
flips on every axis, Adam (lr 1e-3, betas 0.9/0.999, weight decay 1e-4 as L2 on the gradient) on
cross-entropy + soft Dice, batch norm frozen (batch <= 2). Same weights, patch, batch, steps and
thread count as our side.

It serves epochs so that the benchmark can alternate them with ours: after building the model and
one warm-up step it prints {"ready": ...}; then each line "epoch" on stdin runs one epoch and
prints one JSON line with its CPU time (user + sys of this process), wall time and losses. The
clock covers patch sampling and the steps; the model build and checkpoint writes are outside it,
as on our side.

Usage: trainTorch.py --volume V.bin --labels L.bin --dims D,H,W --patch P --batch B --steps S
                     --threads T
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "nn", "reference"))
from torch_reference import Reference, loss_fn, make_weights  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--volume")
    ap.add_argument("--labels")
    ap.add_argument("--dims")
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--classes", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    random.seed(1)
    net, dec = make_weights(args.classes)
    params2d = {k: v for k, v in list(net.state_dict().items()) + list(dec.state_dict().items())
                if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    model = Reference("acs", params2d)
    model.batch_stats = False  # frozen batch norm, as the engine at batch <= 2
    d, h, w = [int(v) for v in args.dims.split(",")]
    volume = np.fromfile(args.volume, dtype=np.int16).reshape(d, h, w).astype(np.float32)
    labels = np.fromfile(args.labels, dtype=np.uint8).reshape(d, h, w)
    p = args.patch
    image = torch.from_numpy((volume - volume.mean()) / max(volume.std(), 1e-8))
    lab = torch.from_numpy(labels.astype(np.int64))
    fg = np.argwhere(labels > 0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4)

    def step():
        xs, ys = [], []
        for _ in range(args.batch):
            if random.random() < 1 / 3 and len(fg):
                c = fg[random.randrange(len(fg))]
                s = [min(max(int(c[a]) - p // 2, 0), [d, h, w][a] - p) for a in range(3)]
            else:
                s = [random.randrange([d, h, w][a] - p + 1) for a in range(3)]
            x = image[s[0]:s[0] + p, s[1]:s[1] + p, s[2]:s[2] + p]
            y = lab[s[0]:s[0] + p, s[1]:s[1] + p, s[2]:s[2] + p]
            for axis in range(3):
                if random.random() < 0.5:
                    x, y = x.flip(axis), y.flip(axis)
            xs.append(x)
            ys.append(y)
        x = torch.stack(xs).unsqueeze(1).expand(-1, 3, -1, -1, -1).contiguous()
        y = torch.stack(ys)
        opt.zero_grad()
        loss = loss_fn(model(x), y, args.classes)
        loss.backward()
        opt.step()
        return float(loss)

    step()  # warm-up: first-call allocations and oneDNN's kernel choice
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}),
          flush=True)
    for line in sys.stdin:
        if line.strip() != "epoch":
            break
        cpu, wall = time.process_time(), time.perf_counter()
        losses = [step() for _ in range(args.steps)]
        print(json.dumps({"cpuMs": 1000 * (time.process_time() - cpu),
                          "wallMs": 1000 * (time.perf_counter() - wall),
                          "losses": losses}), flush=True)


if __name__ == "__main__":
    main()
