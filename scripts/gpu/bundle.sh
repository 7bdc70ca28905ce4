#!/usr/bin/env bash
# Packs what `npm run gpu-check` needs on a bare GPU machine that has no Node.js and no network: a
# stripped node binary, onnxruntime-node (linux-x64 only) and the check script as one bundle, in one xz
# archive in .gpucheck/ (git-ignored) that travels with the working tree to the lent device machine
# (64 MiB limit for both). `--full` adds the engine, CLI and preprocessing benchmark with sharp/libvips
# (too big to travel together with models/ today). On that machine:
#   mkdir -p /tmp/g && tar -xJf .gpucheck/bundle.tar.xz -C /tmp/g && /tmp/g/node /tmp/g/gpu-check.js [--onnx models/x.onnx]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
full=0; [ "${1:-}" = "--full" ] && full=1
# --bench: node + sharp + the preprocessing benchmark only, to time it on the lent machine's idle CPU cores:
#   taskset -c 2 /tmp/g/node --single-threaded-gc /tmp/g/bench-preprocess.js --runs 21 --out "$OUT"
# (one process per physical core: a hyperthread sibling shares it; --single-threaded-gc as the engine runs).
bench=0; [ "${1:-}" = "--bench" ] && bench=1
out=.gpucheck
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ext=(--external:onnxruntime-node --external:sharp '--external:@cornerstonejs/*' --log-level=warning)
npx esbuild scripts/gpu/check.ts --bundle --platform=node --format=cjs --outfile="$stage/gpu-check.js" "${ext[@]}"
cp "$(command -v node)" "$stage/node" && strip "$stage/node"
if [ $bench = 1 ]; then
  rm -f "$stage/gpu-check.js"
  npx esbuild scripts/bench/preprocess.ts --bundle --platform=node --format=cjs --outfile="$stage/bench-preprocess.js" "${ext[@]}"
  mkdir -p "$stage/node_modules/@img"
  cp -r node_modules/sharp node_modules/detect-libc node_modules/semver "$stage/node_modules/"
  cp -r node_modules/@img/sharp-linux-x64 node_modules/@img/sharp-libvips-linux-x64 node_modules/@img/colour "$stage/node_modules/@img/"
  mkdir -p "$out" && tar -C "$stage" -cf - . | xz -T2 -6 > "$out/bench.tar.xz.tmp" && mv "$out/bench.tar.xz.tmp" "$out/bench.tar.xz"
  echo "bench bundle: $(du -h "$out/bench.tar.xz" | cut -f1) in $out/bench.tar.xz"
  exit 0
fi
mkdir -p "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} "$stage/node_modules/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common "$stage/node_modules/"
if [ $full = 1 ]; then
  npx esbuild src/engine/main.ts --bundle --platform=node --format=cjs --minify --outfile="$stage/engine.js" "${ext[@]}"
  npx esbuild src/cli/main.ts --bundle --platform=node --format=cjs --minify --outfile="$stage/cli.js" "${ext[@]}"
  npx esbuild scripts/bench/preprocess.ts --bundle --platform=node --format=cjs --outfile="$stage/bench-preprocess.js" "${ext[@]}"
  mkdir -p "$stage/node_modules/@img"
  cp -r node_modules/sharp node_modules/detect-libc node_modules/semver "$stage/node_modules/"
  cp -r node_modules/@img/sharp-linux-x64 node_modules/@img/sharp-libvips-linux-x64 node_modules/@img/colour "$stage/node_modules/@img/"
fi
mkdir -p "$out"
tar -C "$stage" -cf - . | xz -T2 -6 > "$out/bundle.tar.xz.tmp"
mv "$out/bundle.tar.xz.tmp" "$out/bundle.tar.xz"
echo "gpu bundle: $(du -h "$out/bundle.tar.xz" | cut -f1) in $out/bundle.tar.xz"
