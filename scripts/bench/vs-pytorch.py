"""The PyTorch side of `npm run bench:vs-pytorch`: PIL decoding, numpy/PIL preprocessing (the steps of the
product's chest spec: percentile window, bright-background inversion, histogram equalisation, aspect resize
+ zero pad), the CAE in torch and the masked MSE; with --map also the map smoothed as the product smooths it
(training/paper/mapcal.py), which the product does only for a batch that writes heatmaps. Two ways to run it:
  paper-style (--workers 0 --batch 1): one image at a time in one process, as the paper's evaluation loop;
  tuned (--workers W --batch B): a torch DataLoader with W worker processes decoding and preprocessing while
    the main process runs batches of B, the way a PyTorch user would speed it up; W is the product's prep
    workers, so both sides get the same parallelism, and the workers are started before the clock as the
    product's are (persistent workers).

  vs-pytorch.py export --size S --out DIR               writes the CAE (seeded weights) as ONNX + manifest
  vs-pytorch.py batch --model DIR/x.pt --list F         torch's fastest batch size for the CAE here (JSON)
  vs-pytorch.py score --model DIR/x.pt --list F [...]   scores the files, prints JSON (images/s, BLAS, config)
  vs-pytorch.py compare --pre DIR --root R --list F      this preprocessing vs the product's arrays (xray-anomaly
                                                        preprocess output): both sides must feed the CAE alike
  vs-pytorch.py rescore --pre DIR --model DIR/x.pt      the CAE in torch on the product's arrays: its scores
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "training"))
from paper.export import calibration_of, export_onnx, smoothing_sigma, write_manifest  # noqa: E402
from paper.mapcal import smooth  # noqa: E402
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


class Files(torch.utils.data.Dataset):
    def __init__(self, files, size):
        self.files, self.size = files, size

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return torch.from_numpy(preprocess(self.files[i], self.size))[None]


def one_thread(_):
    torch.set_num_threads(1)


class Indices(torch.utils.data.Sampler):
    """The file indexes of the next pass, set by the main process (persistent workers keep their dataset)."""

    def __init__(self):
        self.idx = []

    def __iter__(self):
        return iter(self.idx)

    def __len__(self):
        return len(self.idx)


class Loader:
    """A DataLoader whose W workers are started (and have run a few files) before the timed pass, as the
    product's prep workers are: persistent workers, fed the indexes of each pass by the sampler."""

    def __init__(self, files, size, workers, batch):
        self.sampler = Indices()
        self.loader = torch.utils.data.DataLoader(Files(files, size), batch_size=batch, sampler=self.sampler,
                                                  num_workers=workers, worker_init_fn=one_thread,
                                                  persistent_workers=workers > 0)

    def run(self, idx):
        self.sampler.idx = list(idx)
        yield from self.loader

    def pids(self):
        it = self.loader._iterator
        return [w.pid for w in it._workers] if it is not None else []


def batches(files, size, loader=None, idx=None):
    if loader is None:
        for f in files:
            yield torch.from_numpy(preprocess(f, size))[None, None]
        return
    yield from loader.run(idx)


def score(model, files, size, loader=None, idx=None, with_map=False):
    """Masked MSE per image; with_map also smooths the error map (the product makes its map only when a
    batch writes heatmaps, and the race's batch writes none, so by default neither side does)."""
    sigma = smoothing_sigma(size)
    out = []
    with torch.inference_mode():
        for x in batches(files, size, loader, idx):
            mask = (x != 0).float()
            err = (model(x) - x) ** 2 * mask
            s = err.sum((1, 2, 3)) / mask.sum((1, 2, 3)).clamp(min=1)
            if with_map:
                m = smooth(err, sigma) * mask
                out += list(zip(s.tolist(), m.amax((1, 2, 3)).tolist()))
            else:
                out += [(v, None) for v in s.tolist()]
    return out


def best_batch(model, files, size, sizes=(1, 2, 4, 8, 16)):
    """torch's fastest batch size for this model here, by CPU time per image over all the race's images (a
    subset misleads: on Debian's torch 1.13 (oneDNN 2.6) the 256 px CAE ran batches of 8 at 7 CPU ms per
    image over 16 images repeated and at 24-25 over the 200, against 8-10 one at a time either way)."""
    xs = torch.from_numpy(np.stack([preprocess(f, size) for f in files]))[:, None]
    per = {}
    with torch.inference_mode():
        for b in sizes:
            model(xs[:b])
            t0 = time.process_time()
            for i in range(0, len(xs), b):
                model(xs[i : i + b])
            per[b] = 1000 * (time.process_time() - t0) / len(xs)
    return min(per, key=per.get), per


def compare(pre, root, files, size):
    """Mean and largest |this - product| over the images' tensors, from the product's preprocess output."""
    with open(os.path.join(pre, "index.jsonl")) as f:
        recs = {}
        for line in f:
            r = json.loads(line)
            recs[r["path"]] = r
    diffs, worst = [], 0.0
    for path in files:
        r = recs.get(os.path.relpath(path, root))
        if not r or not r.get("outputs"):
            continue
        theirs = np.load(os.path.join(pre, r["outputs"][0]["file"]))
        d = np.abs(preprocess(path, size) - theirs)
        diffs.append(float(d.mean()))
        worst = max(worst, float(d.max()))
    return {"images": len(diffs), "meanAbs": float(np.mean(diffs)), "maxAbs": worst}


def rescore(model, pre):
    """The CAE's masked MSE on the product's own tensors (its preprocess output), by relative path: the
    product's scores must match these (same model, same input) up to float rounding."""
    out = {}
    with open(os.path.join(pre, "index.jsonl")) as f, torch.inference_mode():
        for line in f:
            r = json.loads(line)
            if not r.get("outputs"):
                continue
            x = torch.from_numpy(np.load(os.path.join(pre, r["outputs"][0]["file"])))[None, None]
            mask = (x != 0).float()
            err = (model(x) - x) ** 2 * mask
            out[r["path"]] = float(err.sum() / mask.sum().clamp(min=1))
    return out


def cpu_seconds(pids=()):
    """CPU time of this process and of the given live children (the DataLoader's persistent workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def loaded_blas():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
    return sorted(os.path.realpath(p) for p in libs if p.startswith("/"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["export", "batch", "score", "compare", "rescore"])
    p.add_argument("--pre")
    p.add_argument("--root")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--out")
    p.add_argument("--model")
    p.add_argument("--list")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--map", action="store_true", help="also smooth the error map (a batch writing heatmaps)")
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
    if a.command == "compare":
        with open(a.list) as f:
            print(json.dumps(compare(a.pre, a.root, [line.strip() for line in f if line.strip()], a.size)))
        return
    model = build("cae", a.size)
    model.load_state_dict(torch.load(a.model))
    model.eval()
    if a.command == "rescore":
        print(json.dumps(rescore(model, a.pre)))
        return
    with open(a.list) as f:
        files = [line.strip() for line in f if line.strip()]
    if a.command == "batch":
        best, per = best_batch(model, files, a.size)
        print(json.dumps({"batch": best, "cpuMsPerImage": per}))
        return
    score(model, files[:3], a.size, with_map=a.map)  # warm-up
    loader = None
    if a.workers > 0 or a.batch > 1:
        # Workers started and warmed on a few files before the clock starts, like the product's engine.
        loader = Loader(files, a.size, a.workers, a.batch)
        score(model, files, a.size, loader, range(min(len(files), max(3, a.workers * a.batch))), with_map=a.map)
    kids = loader.pids() if loader else []
    cpu0 = cpu_seconds(kids)
    t0 = time.perf_counter()
    res = score(model, files, a.size, loader, range(len(files)), with_map=a.map)
    secs = time.perf_counter() - t0
    cpu = cpu_seconds(kids) - cpu0
    print(json.dumps({"images": len(files), "seconds": secs, "ips": len(files) / secs, "threads": a.threads,
                      "cpuMsPerImage": 1000 * cpu / len(files),
                      "workers": a.workers, "batch": a.batch,
                      "blas": loaded_blas(), "torch": torch.__version__, "config": torch.__config__.show(),
                      "meanScore": float(np.mean([s for s, _ in res])),
                      "scores": [s for s, _ in res]}))


if __name__ == "__main__":
    main()
