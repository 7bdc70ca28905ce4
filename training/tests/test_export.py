"""ONNX exports match torch within 1e-4 (run by onnxruntime-node, the product's runtime), and their manifests
load and score through the product's CLI unchanged: reconstruction scores with a map, discriminator scores
without one."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from helpers import REPO, phantoms, run_onnx
from paper.export import calibration_of, export_onnx, write_manifest
from paper.models import VALUE_RANGE, build
from paper.scores import SCORES, ExportHead, ScoreHead
from paper.specs import black_of, chest_spec

CLI = os.path.join(REPO, "dist", "cli.js")


def trained_a_little(kind, size=32):
    torch.manual_seed(3)
    model = build(kind, size, base=8, **({"z": 16} if kind != "cae" else {}))
    # A few training-mode passes move BatchNorm statistics away from their defaults, so eval mode matters.
    model.train()
    x, _ = phantoms(8, size, seed=2, signed=VALUE_RANGE[kind] == "signed")
    with torch.no_grad():
        for _ in range(3):
            if kind == "cae":
                model(x)
            elif kind == "vae":
                model(x)
            else:
                model.G(torch.randn(8, model.z))
                if kind != "dcgan":
                    model.E(x)
    return model.eval()


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def check_matches(self, kind, score):
        model = trained_a_little(kind)
        black = black_of(VALUE_RANGE[kind])
        path = os.path.join(self.dir, f"{kind}.onnx")
        head, names = export_onnx(model, score, black, path)
        x, _ = phantoms(3, 32, seed=5, signed=VALUE_RANGE[kind] == "signed")
        with torch.no_grad():
            want = dict(zip(names, [t.numpy() for t in head(x)]))
        got = run_onnx(path, x, self.dir)
        self.assertEqual(sorted(got), sorted(names))
        for n in names:
            self.assertEqual(got[n].shape, want[n].shape, n)
            err = float(np.max(np.abs(got[n] - want[n])))
            self.assertLess(err, 1e-4, f"{kind}/{n}: max |onnx - torch| = {err}")
        # The outputs differ between images (a constant graph would also "match"); an untrained code
        # discriminator may give every image the same score, so any output varying counts.
        self.assertGreater(max(float(np.ptp(want[n])) for n in names), 0, f"{kind}: no output varies")
        return model, names

    def test_every_model_exports_within_1e4(self):
        # Every score is an output of every export (score_<name>), so one export per model checks them all.
        for kind, scores in SCORES.items():
            with self.subTest(kind=kind):
                _, names = self.check_matches(kind, scores[0])
                self.assertEqual(len(names), len(scores) + (1 if "anomaly_map" in names else 0))

    def test_reconstruction_scores_have_a_map_discriminator_scores_none(self):
        for kind, scores in SCORES.items():
            model = build(kind, 32, base=8, **({"z": 16} if kind != "cae" else {}))
            for score in scores:
                names = ExportHead(ScoreHead(model, 0.0), score).output_names()
                self.assertEqual("anomaly_map" in names, score not in ("kld", "disc", "code", "disc_code"), names)

    def test_manifests_load_and_score_through_the_cli(self):
        if not os.path.exists(CLI):
            subprocess.run(["node", "scripts/build.mjs"], cwd=REPO, check=True)
        img_dir = os.path.join(self.dir, "images")
        os.makedirs(img_dir)
        from PIL import Image

        x, _ = phantoms(2, 48, seed=9)
        for i in range(2):
            Image.fromarray((x[i, 0].numpy() * 65535).astype(np.uint16)).save(os.path.join(img_dir, f"p{i}.png"))
        for kind, score in (("cae", "mse"), ("dcgan", "disc")):
            with self.subTest(kind=kind):
                model = trained_a_little(kind)
                vr = VALUE_RANGE[kind]
                export_onnx(model, score, black_of(vr), os.path.join(self.dir, f"t-{kind}.onnx"))
                manifest = os.path.join(self.dir, f"t-{kind}.model.json")
                write_manifest(manifest, model_id=f"t-{kind}", name=kind, onnx_file=f"t-{kind}.onnx", size=32,
                               spec=chest_spec(32, vr), score=score, calibration=calibration_of([0.1, 0.2, 0.3], "test"))
                with open(manifest) as f:
                    m = json.load(f)
                self.assertEqual("anomalyMap" in m["outputs"], kind == "cae")
                out = os.path.join(self.dir, f"r-{kind}.jsonl")
                res = subprocess.run(["node", CLI, "score", img_dir, "--model", manifest, "--out", out,
                                      "--provider", "cpu"], cwd=REPO, capture_output=True, text=True)
                self.assertEqual(res.returncode, 0, res.stderr)
                with open(out) as f:
                    recs = [json.loads(line) for line in f]
                self.assertEqual(len(recs), 2, recs)
                for r in recs:
                    self.assertIn("score", r, r)
                    self.assertTrue(np.isfinite(r["score"]["raw"]), r)
                # Through the engine as the viewer gets it: a map for reconstruction scores, none for D.
                res = subprocess.run(["node", "--import", "tsx", "training/tests/engine_check.ts", manifest,
                                      os.path.join(img_dir, "p0.png")], cwd=REPO, capture_output=True, text=True)
                self.assertEqual(res.returncode, 0, res.stderr)
                seen = json.loads(res.stdout)
                self.assertTrue(0 <= seen["score"]["normalized"] <= 1, seen)
                if kind == "cae":
                    self.assertEqual((seen["map"]["width"], seen["map"]["height"]), (32, 32), seen)
                else:
                    self.assertIsNone(seen["map"], seen)


if __name__ == "__main__":
    unittest.main()
