"""Scores a labelled set with any model through the product's CLI (`xray-anomaly eval`: engine, pipeline,
onnxruntime-node) and prints ROC-AUC and AP with 95% stratified bootstrap intervals, so the paper's models
and the default detector are compared by the same code on the same images.

  PYTHONPATH=training python3 training/tools/product_eval.py --model <id|x.model.json> --data <dir with NORMAL/ PNEUMONIA/>
  ... --heldout <chest-xray-pneumonia/train>   the default detector's held-out TRAIN split (seed 2, 300 + 300)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from paper import data as D  # noqa: E402
from paper.metrics import average_precision, bootstrap, roc_auc  # noqa: E402


def linked_split(train, workdir):
    split = D.chest_split(train)
    for cls, files in (("NORMAL", split["valNormal"]), ("PNEUMONIA", split["valAbnormal"])):
        os.makedirs(os.path.join(workdir, cls), exist_ok=True)
        for f in files:
            os.symlink(os.path.join(os.path.abspath(train), f), os.path.join(workdir, cls, os.path.basename(f)))
    return workdir


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--data")
    g.add_argument("--heldout")
    p.add_argument("--boot", type=int, default=1000)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = a.data or linked_split(a.heldout, os.path.join(tmp, "split"))
        stem = os.path.join(tmp, "r")
        subprocess.run(["node", D.ensure_cli(), "eval", "--data", data, "--model", a.model, "--out", stem,
                        "--provider", "cpu"], check=True, stdout=subprocess.DEVNULL)
        scores, labels = [], []
        for cls, y in (("NORMAL", 0), ("PNEUMONIA", 1)):
            with open(f"{stem}.{cls}.jsonl") as f:
                for line in f:
                    r = json.loads(line)
                    if "score" in r:
                        scores.append(r["score"]["raw"])
                        labels.append(y)
    auc = bootstrap(roc_auc, scores, labels, n=a.boot)
    ap = bootstrap(average_precision, scores, labels, n=a.boot)
    print(json.dumps({"model": a.model, "n": len(labels), "positives": sum(labels), "auc": auc, "ap": ap}))


if __name__ == "__main__":
    main()
