"""Inference cost of the trained heads (issue 11, round 3): median ms per single image (batch 1, one thread)
of each run's decoder or student plus its map and scores, on random teacher-shaped features. The backbone up
to block 10 is the product's own cost (models/README.md) and comes on top.

  PYTHONPATH=training python3 -m rd.bench rdB-b10 stE-b3to10 ..."""
import os
import sys
import time

import torch

from . import model as M
from .cache import CACHE


def build(tag):
    ck = torch.load(os.path.join(CACHE, f"{tag}.pt"))
    a, chans, sizes = ck["args"], ck["chans"], ck["sizes"]
    k = a.get("student_inputs", 0)
    net = M.Student(chans[:k], sizes[0], chans[k:], sizes[k:], a["width"]) if k else M.ReverseDistillation(
        chans, sizes, a["emb"], a["width"], a["fine"])
    net.load_state_dict(ck["state"])
    return net.eval(), chans, sizes, k, ck["mu"], ck["sd"]


def main():
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    for tag in sys.argv[1:]:
        net, chans, sizes, k, mu, sd = build(tag)
        f = [torch.rand(1, c, s, s) for c, s in zip(chans, sizes)]
        x, y = (f, f) if k == 0 else (f[:k], f[k:])
        size = max(sizes[k:]) if k else max(sizes)
        times = []
        with torch.no_grad():
            for i in range(60):
                t = time.perf_counter()
                M.image_scores(M.anomaly_map(y, net(x), size), mu, sd)
                if i >= 10:
                    times.append(time.perf_counter() - t)
        times.sort()
        print(f"{tag}: {1000 * times[len(times) // 2]:.2f} ms per image (median of 50)", flush=True)


if __name__ == "__main__":
    main()
