"""PyTorch's side of `npm run bench -- nn`'s alternated forward comparison: a long-lived process, so
that the benchmark can interleave runs (ours, PyTorch, ours, ...) and both sides see the same load.

The networks are test/nn/reference/torch_reference.py's (ACSConv's maths for ACS, conv3d with the
inflated kernels for 3D, the slice-wise 2D network), built from the same weights the ONNX side
exports (written to OUT_DIR first). Each forward is timed like ours: from the input tensor in memory
to the softmax over the classes, no autograd.

Usage: torchForward.py OUT_DIR --size 64 --classes 3 --threads 1 --kinds acs,3d --batches 1,2
Writes OUT_DIR/resnet18.pth and decoder.safetensors, prints "ready", then for each stdin line
"KIND BATCH" runs one forward and prints {"wall": ms, "cpu": ms} (CPU = this process's user+sys).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "nn", "reference"))
import torch_reference as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--kinds", default="acs,3d")
    ap.add_argument("--batches", default="1,2")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    os.makedirs(args.out, exist_ok=True)
    net, dec = ref.make_weights(args.classes)
    torch.save(net.state_dict(), os.path.join(args.out, "resnet18.pth"))
    ref.write_safetensors(os.path.join(args.out, "decoder.safetensors"), dec.state_dict())
    params2d = {k: v for k, v in list(net.state_dict().items()) + list(dec.state_dict().items())
                if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    models = {kind: ref.Reference(kind, params2d, "average").eval() for kind in args.kinds.split(",")}
    s = args.size
    gen = torch.Generator().manual_seed(3)
    inputs = {b: torch.rand(b, 3, s, s, s, generator=gen) for b in map(int, args.batches.split(","))}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}),
          flush=True)
    for line in sys.stdin:
        kind, batch = line.split()
        model, x = models[kind], inputs[int(batch)]
        with torch.no_grad():
            t, c = time.perf_counter(), time.process_time()
            torch.softmax(model(x), 1)
            wall, cpu = (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
