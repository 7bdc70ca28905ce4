"""Reads the teacher-feature cache that scripts/models/experiments/rd-extract.ts writes (.cache/fit-research/rd):
per set a JSON index (items: id, anomalous, group), float16 maps per tap and the shipped model's raw scores."""
import json
import os

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.path.join(REPO, ".cache", "fit-research", "rd")


class FeatureSet:
    def __init__(self, set_name, taps, cache=CACHE, pool=None):
        """pool: {tap: factor} average-pools a tap's maps by that factor (block 3 at 56x56 -> 28x28)."""
        with open(os.path.join(cache, f"{set_name}.json")) as f:
            index = json.load(f)
        self.items = index["items"]
        self.n = len(self.items)
        self.labels = np.array([bool(it["anomalous"]) for it in self.items])
        self.groups = [it["group"] for it in self.items]
        self.ids = [it["id"] for it in self.items]
        self.maps = []
        for tap in taps:
            c, h, w = index["shapes"][tap]
            raw = np.fromfile(os.path.join(cache, f"{set_name}.{tap}.f16"), dtype=np.float16).reshape(self.n, c, h, w)
            t = torch.from_numpy(raw)
            k = (pool or {}).get(tap, 1)
            if k > 1:
                # Pool in chunks: float32 of the whole block-3 set would take ~2 GB.
                t = torch.cat([torch.nn.functional.avg_pool2d(t[i : i + 64].float(), k).half() for i in range(0, self.n, 64)])
            self.maps.append(t.contiguous())
        p = os.path.join(cache, f"{set_name}.shipped.f32")
        self.shipped = np.fromfile(p, dtype=np.float32) if os.path.exists(p) else None

    def batch(self, idx):
        return [m[idx].float() for m in self.maps]

    def subset(self, idx):
        out = object.__new__(FeatureSet)
        idx = np.asarray(idx)
        out.items = [self.items[i] for i in idx]
        out.n = len(idx)
        out.labels = self.labels[idx]
        out.groups = [self.groups[i] for i in idx]
        out.ids = [self.ids[i] for i in idx]
        t = torch.as_tensor(idx)
        out.maps = [m[t] for m in self.maps]
        out.shipped = self.shipped[idx] if self.shipped is not None else None
        return out


def grouped_holdout(groups, fraction, seed):
    """Indices (rest, held): whole groups (patients) held out until `fraction` of the images are."""
    rng = np.random.default_rng(seed)
    uniq = sorted(set(groups))
    rng.shuffle(uniq)
    want = round(len(groups) * fraction)
    held_groups, count = set(), 0
    size = {}
    for g in groups:
        size[g] = size.get(g, 0) + 1
    for g in uniq:
        if count >= want:
            break
        held_groups.add(g)
        count += size[g]
    held = [i for i, g in enumerate(groups) if g in held_groups]
    rest = [i for i, g in enumerate(groups) if g not in held_groups]
    return np.array(rest), np.array(held)
