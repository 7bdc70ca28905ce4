"""Images for training come from `xray-anomaly preprocess` (the product's pipeline); this module runs it,
loads its arrays, and makes the splits: the MURA patient-grouped split of the paper and the chest split of
the default detector."""
import hashlib
import json
import os
import random
import re
import subprocess

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(REPO, "dist", "cli.js")


def ensure_cli():
    if not os.path.exists(CLI):
        subprocess.run(["node", os.path.join(REPO, "scripts", "build.mjs")], check=True, cwd=REPO)
    return CLI


def preprocess(folder, spec, size, cache, log=print, list_file=None):
    """Runs the product's pipeline on `folder` into a cache folder keyed by the spec; returns that folder."""
    # One cache folder per folder + spec; runs with --list add to it.
    key = hashlib.sha1(json.dumps([os.path.abspath(folder), spec, size], sort_keys=True).encode()).hexdigest()[:12]
    out = os.path.join(cache, f"pre-{size}-{key}")
    os.makedirs(out, exist_ok=True)
    spec_file = os.path.join(out, "pipeline.json")
    with open(spec_file, "w") as f:
        json.dump(spec, f)
    log(f"preprocessing {folder} -> {out} (the product's pipeline: xray-anomaly preprocess)")
    res = subprocess.run(
        ["node", ensure_cli(), "preprocess", folder, "--spec", spec_file, "--out", out, "--size", str(size)]
        + (["--list", os.path.abspath(list_file)] if list_file else []),
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise RuntimeError(f"xray-anomaly preprocess failed: {res.stderr.strip()[-2000:]}")
    log(res.stdout.strip())
    return out


def read_index(out):
    """Records of index.jsonl (the latest per path), in listing order."""
    recs = {}
    with open(os.path.join(out, "index.jsonl")) as f:
        for line in f:
            if line.strip():
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                recs[r["path"]] = r
    return [recs[k] for k in sorted(recs)]


def load_arrays(out, records, dtype=torch.float32):
    """x ([M,1,H,W], `dtype`: float16 halves the memory of large sets), mask ([M,1,H,W] uint8) and owner ([M], index into records) for every output of every record
    that preprocessed without error (a record split into hands gives several outputs)."""
    xs, ms, owner = [], [], []
    for i, r in enumerate(records):
        for o in r.get("outputs") or []:
            xs.append(np.load(os.path.join(out, o["file"])))
            ms.append(np.load(os.path.join(out, o["mask"])))
            owner.append(i)
    if not xs:
        raise ValueError(f"no preprocessed images in {out}")
    x = torch.from_numpy(np.stack(xs)[:, None]).to(dtype)
    m = torch.from_numpy(np.stack(ms)[:, None].astype(np.uint8))
    return x, m, torch.tensor(owner)


# ---------------------------------------------------------------------------------------------------------
# MURA: MURA-v1.1/{train,valid}/XR_HAND/patientNNNNN/studyN_{positive,negative}/imageN.png

MURA_PATH = re.compile(r"^(patient\d+)/(study\d+)_(positive|negative)/[^/]+$")


def mura_hand_root(path, part="train"):
    """XR_HAND of a MURA download, given the download's folder, MURA-v1.1, or XR_HAND itself."""
    for cand in (path, os.path.join(path, part, "XR_HAND"), os.path.join(path, "MURA-v1.1", part, "XR_HAND")):
        if os.path.isdir(cand) and os.path.basename(os.path.normpath(cand)) == "XR_HAND":
            return cand
    raise FileNotFoundError(f"no MURA-v1.1/{part}/XR_HAND under {path}")


def mura_label(rel):
    """(patient, label) of a path relative to XR_HAND; label 1 = abnormal study (its folder says positive)."""
    m = MURA_PATH.match(rel.replace("\\", "/"))
    if not m:
        raise ValueError(f"{rel} is not laid out as patientNNNNN/studyN_(positive|negative)/image")
    return m.group(1), 1 if m.group(3) == "positive" else 0


def mura_split(records, seed, train_fraction=0.7):
    """The paper's split, grouped by patient: 70% of the patients with only normal studies -> training
    (normal images only); every other patient (the remaining normal ones and all with an abnormal study)
    split 50/50 into validation and test, which hold their normal and abnormal images.
    Returns {'train': [i], 'val': [i], 'test': [i]} (indices into records) and labels."""
    patients = {}
    labels = []
    for i, r in enumerate(records):
        p, y = mura_label(r["path"])
        patients.setdefault(p, []).append(i)
        labels.append(y)
    normal_only = sorted(p for p, idx in patients.items() if all(labels[i] == 0 for i in idx))
    others = sorted(p for p in patients if p not in set(normal_only))
    rng = random.Random(seed)
    rng.shuffle(normal_only)
    cut = int(round(len(normal_only) * train_fraction))
    train_p, rest = normal_only[:cut], normal_only[cut:] + others
    rng.shuffle(rest)
    half = len(rest) // 2
    pick = lambda ps: sorted(i for p in ps for i in patients[p])  # noqa: E731
    return {"train": pick(train_p), "val": pick(rest[:half]), "test": pick(rest[half:])}, labels


# ---------------------------------------------------------------------------------------------------------
# Chest X-rays (NORMAL/, PNEUMONIA/): the default detector's split, computed by the product's own code


def chest_split(train_folder, seed=2, per_class=300, calibration=0.15):
    """The default model's held-out TRAIN split (scripts/models/protocol.ts materialiseSplit, seed 2, 300 per
    class), plus a patient-grouped calibration hold-out of the fitting normals, as `xray-anomaly fit` makes."""
    tool = os.path.join(REPO, "training", "tools", "chest-split.ts")
    res = subprocess.run(
        ["node", "--import", "tsx", tool, "--data", train_folder, "--seed", str(seed), "--per", str(per_class),
         "--calibration", str(calibration)],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    return json.loads(res.stdout)
