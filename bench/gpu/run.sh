#!/usr/bin/env bash
# On the device machine (one NVIDIA GPU, PyTorch, no Node, no network), in one short call: unpack
# .gpu/bundle.tar.xz (bench/gpu/prepare.sh), then time a training step of char_lm, ptb_lm and imdb on WebGPU
# and on the CPU at 16 threads, and PyTorch cuDNN and CPU on the same configurations. Every figure goes to
# $OUT (or ./gpu-results): engine-webgpu.txt, engine-cpu16.txt, torch.txt, machine.txt.
# QUICK=1 runs char_lm for 2 steps only (to try the script anywhere).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-gpu-results}
mkdir -p "$out"
work=$(mktemp -d)
tar -C "$work" -xJf .gpu/bundle.tar.xz
node="$work/node"
bench=(node "$work/bench-train.js")
models=(char_lm ptb_lm imdb)
steps=()
if [ "${QUICK:-0}" = 1 ]; then models=(char_lm); steps=(--steps 2); fi
{
  echo "date: $(date -u +%FT%TZ)"; uname -a; nproc; free -g | head -2
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "no nvidia-smi"
  vulkaninfo --summary 2>&1 | grep -E "deviceName|deviceType|driverName" || echo "no vulkaninfo (WebGPU may not find the GPU)"
  "$node" --version
} > "$out/machine.txt" 2>&1
for m in "${models[@]}"; do
  timeout 300 "$node" "$work/bench-train.js" "$m" --device webgpu --threads 16 "${steps[@]}" >> "$out/engine-webgpu.txt" 2>&1 || echo "webgpu $m: exit $?" >> "$out/engine-webgpu.txt"
  timeout 300 "$node" "$work/bench-train.js" "$m" --device cpu --threads 16 "${steps[@]}" >> "$out/engine-cpu16.txt" 2>&1 || echo "cpu $m: exit $?" >> "$out/engine-cpu16.txt"
done
if [ "${QUICK:-0}" != 1 ]; then timeout 300 python3 "$work/torch_reference.py" > "$out/torch.txt" 2>&1 || echo "torch: exit $?" >> "$out/torch.txt"; fi
rm -rf "$work"
grep -h "ms/step" "$out"/engine-*.txt; cat "$out/torch.txt" 2>/dev/null | tail -12
