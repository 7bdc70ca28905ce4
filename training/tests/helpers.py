"""Generated data for the tests: bright blobs ('hands') on black, with a few planted anomalies."""
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
torch.set_num_threads(1)


def phantoms(n, size, seed=0, signed=False):
    """n images [n,1,size,size]: an ellipse of smooth texture on black (0, or -1 when signed), and masks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    xs, ms = [], []
    for _ in range(n):
        cx, cy = rng.uniform(0.4, 0.6, 2)
        rx, ry = rng.uniform(0.25, 0.35, 2)
        inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1
        tex = 0.5 + 0.3 * np.sin(xx * rng.uniform(6, 10) + yy * rng.uniform(3, 6))
        xs.append(np.where(inside, tex * 2 - 1 if signed else tex, -1.0 if signed else 0.0))
        ms.append(inside)
    return (torch.tensor(np.stack(xs)[:, None], dtype=torch.float32),
            torch.tensor(np.stack(ms)[:, None], dtype=torch.float32))


def run_onnx(onnx_path, x, out_dir):
    """Runs the ONNX file with onnxruntime-node (the product's runtime) on x; returns {output name: array}."""
    inp = os.path.join(out_dir, "input.bin")
    x.numpy().astype("<f4").tofile(inp)
    res = subprocess.run(
        ["node", os.path.join(REPO, "training", "tests", "ort_run.mjs"), onnx_path, inp, ",".join(map(str, x.shape))],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    return {k: np.asarray(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in json.loads(res.stdout).items()}
