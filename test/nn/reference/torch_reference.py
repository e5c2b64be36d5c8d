"""PyTorch reference for the workstation's 2D, ACS and inflated-3D segmenters.

Written from the papers' definitions, independently of the TypeScript code:
  - ACS (Yang et al., "Reinventing 2D Convolutions for 3D Images"): a 2D kernel's output channels
    split ceil-first into axial / coronal / sagittal parts, each 2D kernel unsqueezed to
    (1, k, k), (k, 1, k), (k, k, 1) over (D, H, W), three conv3d, concatenated in that order.
  - Inflation (Eshed et al., "2D to 3D Transfer Learning for Medical Images"): W3D[t] = W2D at the
    middle slice and 0 elsewhere (ZWI), W2D / T (averaging), alpha_t * W2D (scaling).
  - 2D: the torchvision network applied to every slice.
The encoder is torchvision's resnet18 (random weights, random batch-norm statistics); the decoder
is the light U-Net of the design (upsample nearest, concatenate the skip, conv 3x3 + BN + ReLU,
1x1 head, upsample to the input).

Usage: torch_reference.py OUT_DIR [--size 32] [--classes 3] [--bench] [--threads 1]
Writes OUT_DIR/resnet18.pth (torchvision state dict), decoder.safetensors (decoder + head) and
reference.safetensors (input, labels, logits and gradients per kind, PyTorch layout).
"""
import argparse
import json
import math
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ALPHAS = {1: [1.0], 3: [0.25, 0.5, 0.25], 7: [0.05, 0.1, 0.2, 0.3, 0.2, 0.1, 0.05]}
DECODER = [128, 64, 32, 16]
# Gradients compared with ours: first and last convolutions, a strided one, batch norm, the head.
CHECKED_GRADS = {
    "conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
    "layer3.1.bn2.weight", "layer4.1.conv2.weight", "decoder.0.conv.weight", "decoder.3.conv.weight",
    "decoder.3.bn.bias", "head.weight", "head.bias",
}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def acs_split(c):
    third = c // 3
    return [(third, third, third), (third + 1, third, third), (third + 1, third + 1, third)][c % 3]


def inflation(method, depth):
    if method == "centre":
        return [1.0 if t == depth // 2 else 0.0 for t in range(depth)]
    if method == "average":
        return [1.0 / depth] * depth
    return ALPHAS[depth]


class Decoder2d(nn.Module):
    """The decoder's parameters in 2D (names decoder.{i}.conv / decoder.{i}.bn, head)."""

    def __init__(self, classes, width=64):
        super().__init__()
        skips = [width * 4, width * 2, width, width]
        stages, channels = [], width * 8
        for i, cout in enumerate(DECODER):
            stage = nn.Module()
            stage.conv = nn.Conv2d(channels + skips[i], cout, 3, padding=1, bias=False)
            stage.bn = nn.BatchNorm2d(cout)
            stages.append(stage)
            channels = cout
        self.decoder = nn.ModuleList(stages)
        self.head = nn.Conv2d(channels, classes, 1)


class Reference(nn.Module):
    """One segmenter of a given kind, its parameters made from the 2D ones by the papers' rules."""

    def __init__(self, kind, params2d, method="scale"):
        super().__init__()
        self.kind = kind
        self.batch_stats = False  # batch norm by the batch's statistics, updating the running ones
        self.p = nn.ParameterDict()
        self.buffers_ = {}
        for name, t in params2d.items():
            key = name.replace(".", "__")
            if name.endswith("running_mean") or name.endswith("running_var"):
                self.buffers_[name] = t.clone()
                continue
            if kind == "3d" and t.dim() == 4:
                k = t.shape[-1]
                factors = inflation(method, k)
                t = torch.stack([f * t for f in factors], dim=2)
            self.p[key] = nn.Parameter(t.clone())

    def w(self, name):
        return self.p[name.replace(".", "__")]

    def conv(self, name, x, stride=1, padding=0, bias=False):
        w = self.w(name + ".weight")
        b = self.w(name + ".bias") if bias else None
        if self.kind == "2d":
            return F.conv2d(x, w, b, stride, padding)
        if self.kind == "3d":
            pd = w.shape[2] // 2
            return F.conv3d(x, w, b, stride, (pd, padding, padding))
        a, c, s = acs_split(w.shape[0])
        outs = []
        if a:
            outs.append(F.conv3d(x, w[:a].unsqueeze(2), None, stride, (0, padding, padding)))
        if c:
            outs.append(F.conv3d(x, w[a:a + c].unsqueeze(3), None, stride, (padding, 0, padding)))
        if s:
            outs.append(F.conv3d(x, w[a + c:].unsqueeze(4), None, stride, (padding, padding, 0)))
        y = torch.cat(outs, 1)
        if b is not None:
            y = y + b.view(1, -1, 1, 1, 1)
        return y

    def bn(self, name, x):
        return F.batch_norm(x, self.buffers_[name + ".running_mean"], self.buffers_[name + ".running_var"],
                            self.w(name + ".weight"), self.w(name + ".bias"), self.batch_stats, 0.1, 1e-5)

    def pool(self, x):
        return F.max_pool2d(x, 3, 2, 1) if self.kind == "2d" else F.max_pool3d(x, 3, 2, 1)

    def up(self, x, f):
        return F.interpolate(x, scale_factor=f, mode="nearest")

    def block(self, prefix, x, stride, downsample):
        h = F.relu(self.bn(prefix + ".bn1", self.conv(prefix + ".conv1", x, stride, 1)))
        h = self.bn(prefix + ".bn2", self.conv(prefix + ".conv2", h, 1, 1))
        if downsample:
            x = self.bn(prefix + ".downsample.1", self.conv(prefix + ".downsample.0", x, stride, 0))
        return F.relu(h + x)

    def forward(self, x):
        # x: [N, C, D, H, W]; the 2D kind runs on the slices as a batch of images.
        n, _, d = x.shape[:3]
        if self.kind == "2d":
            x = x.permute(0, 2, 1, 3, 4).reshape(n * d, x.shape[1], x.shape[3], x.shape[4])
        stem = F.relu(self.bn("bn1", self.conv("conv1", x, 2, 3)))
        feats = [stem]
        y = self.pool(stem)
        for i, blocks in enumerate([2, 2, 2, 2]):
            for b in range(blocks):
                stride = 2 if (i > 0 and b == 0) else 1
                y = self.block(f"layer{i + 1}.{b}", y, stride, i > 0 and b == 0)
            feats.append(y)
        for i in range(4):
            skip = feats[3 - i]
            y = torch.cat([self.up(y, 2), skip], 1)
            y = F.relu(self.bn(f"decoder.{i}.bn", self.conv(f"decoder.{i}.conv", y, 1, 1)))
        y = self.up(self.conv("head", y, 1, 0, bias=True), 2)
        if self.kind == "2d":
            y = y.reshape(n, d, y.shape[1], y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4)
        return y


def loss_fn(logits, labels, classes):
    logp = F.log_softmax(logits, 1)
    onehot = F.one_hot(labels, classes).permute(0, 4, 1, 2, 3).float()
    ce = -(onehot * logp).sum(1).mean()
    p = logp.exp()
    dims = (0, 2, 3, 4)
    inter = (p * onehot).sum(dims)
    total = p.sum(dims) + onehot.sum(dims)
    dice = ((2 * inter + 1e-5) / (total + 1e-5)).mean()
    return ce + 1 - dice


def make_weights(classes):
    torch.manual_seed(0)
    net = torchvision.models.resnet18()
    dec = Decoder2d(classes)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in list(net.modules()) + list(dec.modules()):
            if isinstance(m, (nn.BatchNorm2d,)):
                m.running_mean.uniform_(-0.5, 0.5, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.5, 0.5, generator=gen)
    return net, dec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--batches", default="1,2")
    ap.add_argument("--kinds", default="acs,3d,2d")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-train", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    net, dec = make_weights(args.classes)
    torch.save(net.state_dict(), os.path.join(args.out, "resnet18.pth"))
    write_safetensors(os.path.join(args.out, "decoder.safetensors"), dec.state_dict())
    params2d = {k: v for k, v in list(net.state_dict().items()) + list(dec.state_dict().items())
                if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    if args.bench:
        bench(args, params2d)
        return
    g = torch.Generator().manual_seed(2)
    s = args.size
    x = torch.randn(1, 3, s, s, s, generator=g)
    labels = torch.randint(0, args.classes, (1, s, s, s), generator=g)
    out = {"x": x, "labels": labels.float()}
    for kind in ["2d", "acs", "3d"]:
        ref = Reference(kind, params2d, "scale")
        logits = ref(x)
        out[f"{kind}/logits"] = logits
        loss = loss_fn(logits, labels, args.classes)
        loss.backward()
        out[f"{kind}/loss"] = loss.detach().reshape(1)
        for key, p in ref.p.items():
            if key.replace("__", ".") in CHECKED_GRADS:
                out[f"{kind}/grad/{key.replace('__', '.')}"] = p.grad
    # Training-mode batch norm (batch statistics, running update), on the 2D kind: its statistics
    # span all slices, so even layer4 normalises over many values.
    ref = Reference("2d", params2d, "scale")
    ref.batch_stats = True
    loss = loss_fn(ref(x), labels, args.classes)
    loss.backward()
    out["2d-bn/loss"] = loss.detach().reshape(1)
    for key, p in ref.p.items():
        if key.replace("__", ".") in CHECKED_GRADS:
            out[f"2d-bn/grad/{key.replace('__', '.')}"] = p.grad
    for name in ["bn1", "layer4.1.bn2", "decoder.3.bn"]:
        for stat in ["running_mean", "running_var"]:
            out[f"2d-bn/{name}.{stat}"] = ref.buffers_[f"{name}.{stat}"]
    write_safetensors(os.path.join(args.out, "reference.safetensors"), out)


def bench(args, params2d):
    """Best-of-reps wall and CPU times (ms) of forward at batch 1 and 2 and a training step at batch 2, per kind."""
    s = args.size
    results = {}
    for kind in args.kinds.split(","):
        ref = Reference(kind, params2d, "average")
        opt = torch.optim.Adam(ref.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4)
        for batch in [int(b) for b in args.batches.split(",")]:
            x = torch.randn(batch, 3, s, s, s)
            with torch.no_grad():
                ref(x)
                times, cpu = [], []
                for _ in range(args.reps):
                    t, c = time.perf_counter(), time.process_time()
                    torch.softmax(ref(x), 1)
                    times.append((time.perf_counter() - t) * 1e3)
                    cpu.append((time.process_time() - c) * 1e3)
            results[f"{kind}/forward/{batch}"] = min(times)
            results[f"{kind}/forward/{batch}/cpu"] = min(cpu)
        if args.no_train:
            continue
        x = torch.randn(2, 3, s, s, s)
        labels = torch.randint(0, args.classes, (2, s, s, s))
        times, cpu = [], []
        for i in range(args.reps + 1):
            t, c = time.perf_counter(), time.process_time()
            opt.zero_grad()
            loss_fn(ref(x), labels, args.classes).backward()
            opt.step()
            if i > 0:  # the first step is the warm-up, as on our side
                times.append((time.perf_counter() - t) * 1e3)
                cpu.append((time.process_time() - c) * 1e3)
        results[f"{kind}/train/2"] = min(times)
        results[f"{kind}/train/2/cpu"] = min(cpu)
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"threads": torch.get_num_threads(), "torch": torch.__version__, "ms": results}, f)


if __name__ == "__main__":
    main()
