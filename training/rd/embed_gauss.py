"""A Gaussian on the reverse-distillation bottleneck (issue 11, round 3): the one-class embedding the decoder
learnt from the normals, pooled (mean + std over the positions, whole grid or its central field), with a
Ledoit-Wolf Gaussian fitted on the run's training normals; Mahalanobis distance is the score. Also the same
Gaussian on the teacher's block-10 maps themselves (log mean + std over the central field; the shipped
model's global part) as a check that this code reproduces round 1.

  PYTHONPATH=training nice -n 19 python3 -m rd.embed_gauss --run rdB-b10

Writes .cache/fit-research/rd/<run>-emb.scores.json for rd-eval.ts; the score is chosen on held-out TRAIN."""
import argparse
import json
import os

import numpy as np
import torch

from paper.metrics import roc_auc

from . import model as M
from .cache import CACHE, FeatureSet, grouped_holdout


def ledoit_wolf(x):
    """Mean and Ledoit-Wolf shrunk covariance of rows x [n, d] (float64)."""
    mu = x.mean(0)
    xc = x - mu
    n, d = xc.shape
    s = xc.T @ xc / n
    m = np.trace(s) / d
    d2 = np.sum((s - m * np.eye(d)) ** 2)
    b2 = sum(np.sum((np.outer(r, r) - s) ** 2) for r in xc) / n**2
    shrink = min(1.0, b2 / d2) if d2 > 0 else 1.0
    return mu, shrink * m * np.eye(d) + (1 - shrink) * s


def pooled(maps, margin, log=False):
    m = torch.log(maps + 1e-3) if log else maps
    if margin:
        m = M.central(m, margin)
    return torch.cat([m.mean((2, 3)), m.std((2, 3))], 1).double().numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    ck = torch.load(os.path.join(CACHE, f"{a.run}.pt"))
    args = ck["args"]
    taps = args["taps"].split(",")
    pool = {"block_3_expand_relu": args["pool3"]}
    net = M.ReverseDistillation(ck["chans"], ck["sizes"], args["emb"], args["width"], args["fine"])
    net.load_state_dict(ck["state"])
    net.eval()
    fit = FeatureSet("fit", taps, pool=pool)
    rest, held = grouped_holdout(fit.groups, 0.15, args["seed"])
    sets = {"train": fit.subset(rest), "cal": fit.subset(held), "val": FeatureSet("val", taps, pool=pool)}
    ten = taps.index("block_10_expand_relu") if "block_10_expand_relu" in taps else None

    def features(fs):
        emb = {"emb-all": [], "emb-central": [], "teacher-b10-central": []}
        with torch.no_grad():
            for s in range(0, fs.n, 64):
                f = fs.batch(torch.arange(s, min(fs.n, s + 64)))
                h = net.bottleneck(torch.cat([e(x) for e, x in zip(net.enc, f)], 1))
                emb["emb-all"].append(pooled(h, 0))
                # The 7x7 grid: margin 0.2 keeps its central 5x5 (4x4 would be the 8/14 of round 1).
                emb["emb-central"].append(pooled(h, 0.2))
                if ten is not None:
                    emb["teacher-b10-central"].append(pooled(f[ten], 0.2, log=True))
        return {k: np.concatenate(v) for k, v in emb.items() if v}

    feats = {k: features(fs) for k, fs in sets.items()}
    models = {}
    for k, x in feats["train"].items():
        mu, cov = ledoit_wolf(x)
        models[k] = (mu, np.linalg.inv(cov))

    def scores(f):
        return {k: np.einsum("nd,de,ne->n", f[k] - mu, icov, f[k] - mu).tolist() for k, (mu, icov) in models.items()}

    val = sets["val"]
    sv = scores(feats["val"])
    aucs = {k: roc_auc(v, val.labels) for k, v in sv.items()}
    print("held-out TRAIN " + " ".join(f"{k} {v:.3f}" for k, v in aucs.items()), flush=True)
    chosen = max((k for k in aucs if k.startswith("emb")), key=aucs.get)
    dev = FeatureSet("dev", taps, pool=pool)
    fd = features(dev)
    out = {"tag": f"{a.run}-emb", "chosen": {"epoch": 0, "score": chosen}, "train_s": 0, "score_ms_per_image_heads": 0,
           "sets": {}}
    for name, fs, f in (("cal", sets["cal"], feats["cal"]), ("val", val, feats["val"]), ("dev", dev, fd)):
        out["sets"][name] = {"ids": fs.ids, "groups": fs.groups, "labels": fs.labels.tolist(),
                             "shipped": fs.shipped.tolist(), "scores": scores(f)}
    print(f"chosen {chosen}; dev {roc_auc(out['sets']['dev']['scores'][chosen], dev.labels):.3f}", flush=True)
    with open(os.path.join(CACHE, f"{a.run}-emb.scores.json"), "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
