#!/usr/bin/env bash
# The inference and training benchmarks on every ONNX Runtime execution provider that loads on
# this machine (CUDA, WebGPU, the CPU), as one JSON line on stdout; progress goes to stderr.
# Meant for a machine with an NVIDIA GPU (CUDA 12 and cuDNN 9 on the library path for the CUDA
# provider; a Vulkan driver for WebGPU), run as it is from a checkout:
#
#   bash bench/gpu.sh [--patch 64] [--batch 2] [--reps 5] [--threads N] [--providers cuda,webgpu,cpu]
#
# What it installs: the project's npm dependencies (from the npm registry, `npm ci`, when
# node_modules is absent) and onnxruntime-node's CUDA provider. The npm package does not carry the
# CUDA provider (too large for the registry); its install script downloads it, and this project
# keeps that script off so that `npm ci` works offline. Run here with the flag that requests it,
# the script fetches Microsoft.ML.OnnxRuntime.Gpu.Linux of the same version (1.30.0) from NuGet and
# puts libonnxruntime_providers_{cuda,shared,tensorrt}.so beside the binding
# (node_modules/onnxruntime-node/bin/napi-v6/linux/x64). Where that fails (no network, not
# Linux x64), the CUDA provider is reported as not loaded, with the reason, and the rest still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'gpu.sh: %s\n' "$*" >&2; }

command -v node >/dev/null || { say "Node.js 20+ is needed (https://nodejs.org)"; exit 2; }
if [ ! -d node_modules ]; then
  say "installing the npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

ORT_BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] && [ ! -f "$ORT_BIN/libonnxruntime_providers_cuda.so" ]; then
  say "fetching onnxruntime-node's CUDA provider (ONNXRUNTIME_NODE_INSTALL=cuda12)"
  ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js >&2 ||
    say "the CUDA provider could not be fetched: CUDA will be reported as not loaded"
fi

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
else
  say "nvidia-smi not found: no NVIDIA driver here, CUDA will not load"
fi

exec node --import tsx bench/support/providerBench.ts "$@"
