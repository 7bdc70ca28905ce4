#!/usr/bin/env bash
# Packs what `npm run gpu-check` needs on a bare GPU machine that has no Node.js and no network: the node
# binary, onnxruntime-node (linux-x64 only), sharp with libvips, the WASM DICOM codecs, the engine bundle,
# the check script bundle and models/. One xz archive in .gpucheck/ (git-ignored), small enough to travel
# with the working tree to the lent device machine (64 MiB limit). On that machine:
#   tar -xJf .gpucheck/bundle.tar.xz -C /tmp/g && cd /tmp/g && ./node gpu-check.js --engine engine.js
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=.gpucheck
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
node scripts/build.mjs --production >/dev/null
npx esbuild scripts/gpu/check.ts --bundle --platform=node --format=cjs --outfile="$stage/gpu-check.js" \
  --external:onnxruntime-node --external:sharp '--external:@cornerstonejs/*' --external:jpeg-lossless-decoder-js --log-level=warning
cp dist/engine.js "$stage/"
cp "$(command -v node)" "$stage/node"
mkdir -p "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux" "$stage/node_modules/@img"
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} "$stage/node_modules/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common "$stage/node_modules/" 2>/dev/null || true
cp -r node_modules/sharp node_modules/detect-libc node_modules/semver "$stage/node_modules/" 2>/dev/null || true
cp -r node_modules/@img/sharp-linux-x64 node_modules/@img/sharp-libvips-linux-x64 node_modules/@img/colour "$stage/node_modules/@img/"
cp -r node_modules/@cornerstonejs node_modules/jpeg-lossless-decoder-js "$stage/node_modules/"
cp -r models "$stage/models"
mkdir -p "$out"
tar -C "$stage" -cf - . | xz -T2 -6 > "$out/bundle.tar.xz"
echo "gpu bundle: $(du -h "$out/bundle.tar.xz" | cut -f1) in $out/bundle.tar.xz"
