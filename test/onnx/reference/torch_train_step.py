"""One training step of a segmenter in PyTorch, the reference for the ONNX training graph.

Reads IN.safetensors: the network's tensors in PyTorch names and layout for the kind (3d kernels
already inflated), "x" [N, C, D, H, W] and "labels" [N, D, H, W]. Builds the network of
test/nn/reference/torch_reference.py (written from the ACS and transfer-learning papers), takes
the loss of that file, its gradient for every parameter, and one torch.optim.Adam or AdamW step.
Writes OUT.safetensors: "loss", "grad/<name>", "param/<name>" (after the step) and
"buffer/<name>" (running statistics after the forward).

Usage: torch_train_step.py IN OUT --kind acs --bn frozen|batch --optimizer adam|adamw
       [--lr 1e-3] [--weight-decay 1e-4] [--float64]
"""
import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "nn", "reference"))
from torch_reference import Reference, loss_fn, write_safetensors  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--kind", required=True)
    ap.add_argument("--bn", default="frozen")
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--float64", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    dtype = torch.float64 if args.float64 else torch.float32
    tensors = read_safetensors(args.inp)
    x = tensors.pop("x").to(dtype)
    labels = tensors.pop("labels").long()
    classes = tensors["head.bias"].shape[0]
    ref = Reference(args.kind, {k: v.to(dtype) for k, v in tensors.items()})
    ref.batch_stats = args.bn == "batch"
    optimizer_class = torch.optim.AdamW if args.optimizer == "adamw" else torch.optim.Adam
    opt = optimizer_class(ref.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8,
                          weight_decay=args.weight_decay)
    loss = loss_fn(ref(x), labels, classes)
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    for key, p in ref.p.items():
        out["grad/" + key.replace("__", ".")] = p.grad.detach().clone()
    opt.step()
    for key, p in ref.p.items():
        out["param/" + key.replace("__", ".")] = p.detach()
    for name, b in ref.buffers_.items():
        out["buffer/" + name] = b
    write_safetensors(args.out, out)


if __name__ == "__main__":
    main()
