"""Trains reverse distillation on the cached teacher features of the TRAIN normals and scores held-out TRAIN
and test-dev (issue 11, round 3).

  PYTHONPATH=training nice -n 19 python3 -m rd.train --tag rd-b6b10 --taps block_6_expand_relu,block_10_expand_relu

The seed-2 fit normals (1,041) are split by patient into train (85%) and calibration (15%, the per-position
centring of the z variants and the threshold). Every --eval-every epochs, the held-out TRAIN set (300 + 300)
is scored; the epoch and image score with the best held-out TRAIN ROC-AUC are chosen there, and only then is
test-dev scored, once, with that state (one look per recipe). Writes .cache/fit-research/rd/<tag>.scores.json
(for scripts/models/experiments/rd-eval.ts) and <tag>.pt."""
import argparse
import copy
import json
import os
import time

import numpy as np
import torch

from paper.metrics import roc_auc

from . import model as M
from .cache import CACHE, FeatureSet, grouped_holdout


def split(f, n_in):
    """(network input, reconstruction target): all taps both ways for rd; the first n_in in, the rest out for st."""
    return (f, f) if n_in == 0 else (f[:n_in], f[n_in:])


def maps_of(net, fs, size, n_in=0, bs=32):
    net.eval()
    out = []
    with torch.no_grad():
        for s in range(0, fs.n, bs):
            x, y = split(fs.batch(torch.arange(s, min(fs.n, s + bs))), n_in)
            out.append(M.anomaly_map(y, net(x), size))
    return torch.cat(out)


def scores_of(net, fs, size, mu, sd, margin, n_in=0):
    return {k: v.numpy().astype(float) for k, v in M.image_scores(maps_of(net, fs, size, n_in), mu, sd, margin).items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tag", required=True)
    p.add_argument("--taps", default="block_3_expand_relu,block_6_expand_relu,block_10_expand_relu")
    p.add_argument("--student-inputs", type=int, default=0,
                   help="0: reverse distillation of all taps; n: a student predicts the other taps from the first n")
    p.add_argument("--pool3", type=int, default=2, help="average-pool block 3 by this factor (56 -> 28)")
    p.add_argument("--emb", type=int, default=256)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--fine", type=int, default=64)
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--eval-every", type=int, default=3)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--margin", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    taps = a.taps.split(",")
    pool = {"block_3_expand_relu": a.pool3}
    t0 = time.time()
    fit = FeatureSet("fit", taps, pool=pool)
    val = FeatureSet("val", taps, pool=pool)
    rest, held = grouped_holdout(fit.groups, 0.15, a.seed)
    train, cal = fit.subset(rest), fit.subset(held)
    print(f"loaded in {time.time() - t0:.0f} s: train {train.n}, calibration {cal.n}, held-out TRAIN {val.n}", flush=True)
    chans = [m.shape[1] for m in train.maps]
    sizes = [m.shape[-1] for m in train.maps]
    size = max(sizes)
    k = a.student_inputs
    if k:
        net = M.Student(chans[:k], sizes[0], chans[k:], sizes[k:], a.width)
        size = max(sizes[k:])
    else:
        net = M.ReverseDistillation(chans, sizes, a.emb, a.width, a.fine)
    print(f"taps {taps} {list(zip(chans, sizes))}, {sum(p.numel() for p in net.parameters()) / 1e6:.2f} M parameters", flush=True)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.5, 0.999))
    rng = np.random.default_rng(a.seed)
    history, states = [], {}
    train_s = 0.0
    for ep in range(1, a.epochs + 1):
        net.train()
        t1 = time.time()
        order = rng.permutation(train.n)
        tot = 0.0
        for s in range(0, train.n - a.batch + 1, a.batch):
            x, y = split(train.batch(torch.as_tensor(order[s : s + a.batch])), k)
            loss = M.loss_of(y, net(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        train_s += time.time() - t1
        msg = f"epoch {ep}: loss {tot / (train.n // a.batch):.4f} ({time.time() - t1:.0f} s)"
        if ep % a.eval_every == 0 or ep == a.epochs:
            cm = maps_of(net, cal, size, k)
            mu, sd = cm.mean(0), cm.std(0) + 1e-4
            sc = scores_of(net, val, size, mu, sd, a.margin, k)
            aucs = {k: roc_auc(v, val.labels) for k, v in sc.items()}
            history.append({"epoch": ep, "val": aucs, "loss": tot / (train.n // a.batch)})
            states[ep] = copy.deepcopy(net.state_dict())
            msg += " | held-out TRAIN " + " ".join(f"{k} {v:.3f}" for k, v in aucs.items())
        print(msg, flush=True)
    best = max(history, key=lambda h: max(h["val"].values()))
    variant = max(best["val"], key=best["val"].get)
    print(f"chosen on held-out TRAIN: epoch {best['epoch']}, score {variant} ({best['val'][variant]:.3f})", flush=True)
    net.load_state_dict(states[best["epoch"]])
    cm = maps_of(net, cal, size, k)
    mu, sd = cm.mean(0), cm.std(0) + 1e-4
    dev = FeatureSet("dev", taps, pool=pool)
    t2 = time.time()
    out = {"tag": a.tag, "args": vars(a), "chosen": {"epoch": best["epoch"], "score": variant}, "history": history,
           "train_s": train_s, "sets": {}}
    for name, fs in (("cal", cal), ("val", val), ("dev", dev)):
        sc = scores_of(net, fs, size, mu, sd, a.margin, k)
        out["sets"][name] = {"ids": fs.ids, "groups": fs.groups, "labels": fs.labels.tolist(),
                             "shipped": fs.shipped.tolist(), "scores": {k: v.tolist() for k, v in sc.items()}}
    score_s = time.time() - t2
    n_scored = cal.n + val.n + dev.n
    out["score_ms_per_image_heads"] = 1000 * score_s / n_scored
    print(f"dev (chosen {variant}): {roc_auc(out['sets']['dev']['scores'][variant], dev.labels):.3f}; "
          f"train {train_s:.0f} s, head scoring {out['score_ms_per_image_heads']:.1f} ms/image", flush=True)
    with open(os.path.join(CACHE, f"{a.tag}.scores.json"), "w") as f:
        json.dump(out, f)
    torch.save({"args": vars(a), "state": net.state_dict(), "chans": chans, "sizes": sizes, "mu": mu, "sd": sd},
               os.path.join(CACHE, f"{a.tag}.pt"))


if __name__ == "__main__":
    main()
