"""The paper-style PyTorch side of `npm run bench:vs-pytorch`: PIL decoding, numpy/PIL preprocessing (the
steps of the product's chest spec: percentile window, bright-background inversion, histogram equalisation,
aspect resize + zero pad), the CAE in torch, masked MSE and a Gaussian-smoothed map, one image at a time
as the paper's evaluation loop did.

  vs-pytorch.py export --size S --out DIR         writes the CAE (seeded weights) as ONNX + manifest
  vs-pytorch.py score --model DIR/x.pt --list F   scores the files, prints JSON (images/s, BLAS, torch config)
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "training"))
from paper.export import calibration_of, export_onnx, write_manifest  # noqa: E402
from paper.models import build  # noqa: E402
from paper.specs import chest_spec  # noqa: E402


def preprocess(path, size):
    img = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    lo, hi = np.percentile(img, [0.5, 99.5])
    img = np.clip((img - lo) / max(hi - lo, 1e-6), 0, 1)
    c = min(50, img.shape[0] // 2, img.shape[1] // 2)
    corners = np.concatenate([img[:c, :c].ravel(), img[:c, -c:].ravel(), img[-c:, :c].ravel(), img[-c:, -c:].ravel()])
    if corners.mean() > 0.5:
        img = 1 - img
    eq = ImageOps.equalize(Image.fromarray((img * 255).astype(np.uint8)))
    h, w = eq.height, eq.width
    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = np.asarray(eq.resize((nw, nh), Image.BILINEAR), dtype=np.float32) / 255
    out = np.zeros((size, size), np.float32)
    y0, x0 = (size - nh) // 2, (size - nw) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = small
    return out


def gaussian_kernel(sigma):
    r = max(1, int(math.ceil(3 * sigma)))
    k = torch.exp(-(torch.arange(-r, r + 1, dtype=torch.float32) ** 2) / (2 * sigma * sigma))
    return (k / k.sum()).view(1, 1, 1, -1), r


@torch.no_grad()
def score(model, files, size, sigma):
    k, r = gaussian_kernel(sigma)
    out = []
    for f in files:
        x = torch.from_numpy(preprocess(f, size))[None, None]
        mask = (x != 0).float()
        err = (model(x) - x) ** 2 * mask
        s = float(err.sum() / mask.sum().clamp(min=1))
        m = F.conv2d(F.pad(err, (r, r, 0, 0), mode="reflect"), k)
        m = F.conv2d(F.pad(m, (0, 0, r, r), mode="reflect"), k.transpose(2, 3)) * mask
        out.append((s, float(m.max())))
    return out


def loaded_blas():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
    return sorted(os.path.realpath(p) for p in libs if p.startswith("/"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["export", "score"])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--out")
    p.add_argument("--model")
    p.add_argument("--list")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.command == "export":
        os.makedirs(a.out, exist_ok=True)
        torch.manual_seed(0)
        model = build("cae", a.size).eval()
        torch.save(model.state_dict(), os.path.join(a.out, "cae.pt"))
        export_onnx(model, "mse", 0.0, os.path.join(a.out, "bench-cae.onnx"))
        write_manifest(os.path.join(a.out, "bench-cae.model.json"), model_id="bench-cae", name="bench CAE",
                       onnx_file="bench-cae.onnx", size=a.size, spec=chest_spec(a.size, "unit"), score="mse",
                       calibration=calibration_of([0.01, 0.02, 0.03], "bench: arbitrary"))
        return
    model = build("cae", a.size)
    model.load_state_dict(torch.load(a.model))
    model.eval()
    with open(a.list) as f:
        files = [line.strip() for line in f if line.strip()]
    sigma = max(1.0, 5 * a.size / 512)
    score(model, files[:3], a.size, sigma)  # warm-up
    t0 = time.perf_counter()
    res = score(model, files, a.size, sigma)
    secs = time.perf_counter() - t0
    print(json.dumps({"images": len(files), "seconds": secs, "ips": len(files) / secs, "threads": a.threads,
                      "blas": loaded_blas(), "torch": torch.__version__, "config": torch.__config__.show(),
                      "meanScore": float(np.mean([s for s, _ in res]))}))


if __name__ == "__main__":
    main()
