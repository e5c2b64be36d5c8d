"""Three steps of torch.optim.Adam or AdamW on one flat parameter, the reference for the training
graph's optimizer. Reads IN.safetensors ("param", "grad0", "grad1", "grad2"), writes
OUT.safetensors ("param", "exp_avg", "exp_avg_sq" after the third step).

Usage: torch_adam.py IN OUT --optimizer adam|adamw [--lr 1e-3] [--weight-decay 1e-4]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_train_step import read_safetensors, write_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    args = ap.parse_args()
    t = read_safetensors(args.inp)
    p = torch.nn.Parameter(t["param"].clone())
    optimizer_class = torch.optim.AdamW if args.optimizer == "adamw" else torch.optim.Adam
    opt = optimizer_class([p], lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=args.weight_decay)
    for i in range(3):
        p.grad = t[f"grad{i}"].clone()
        opt.step()
    state = opt.state[p]
    write_safetensors(args.out, {"param": p.detach(), "exp_avg": state["exp_avg"],
                                 "exp_avg_sq": state["exp_avg_sq"]})


if __name__ == "__main__":
    main()
