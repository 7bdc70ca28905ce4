"""The exported map calibration (calibration.pixelThreshold, pixelScale) follows the product's definition:
per image the 99th percentile of the shown map's foreground, then the 90th percentile across images; the
scale is twice the distance from the median image's median up to it. And the map it is computed on is the
one the product's engine shows (same smoothing, same mask): checked against the engine's own raw map."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from helpers import REPO, phantoms
from paper import data as D
from paper.export import calibration_of, export_onnx, smoothing_sigma, write_manifest
from paper.mapcal import map_calibration, smooth
from paper.scores import ScoreHead
from paper.specs import chest_spec
from test_export import trained_a_little


def constant_maps(values, size=16, background=1e3):
    """Image i: foreground value values[i] on an inner square, a huge value on the (masked) border."""
    n = len(values)
    maps = torch.full((n, 1, size, size), background)
    masks = torch.zeros((n, 1, size, size))
    for i, v in enumerate(values):
        maps[i, :, 2:-2, 2:-2] = v
        masks[i, :, 2:-2, 2:-2] = 1
    return maps, masks


class MapCalibrationTest(unittest.TestCase):
    def test_per_image_then_across_images(self):
        # Unsmoothed, each image's quantiles are its constant: 90th percentile of 1..11 is 10, median 6.
        maps, masks = constant_maps([float(v) for v in range(1, 12)])
        cal = map_calibration(maps, masks, sigma=0)
        self.assertAlmostEqual(cal["pixelThreshold"], 10.0, places=5)
        self.assertAlmostEqual(cal["pixelScale"], 2 * (10.0 - 6.0), places=5)

    def test_one_odd_image_moves_it_by_one_rank_at_most(self):
        rng = np.random.default_rng(4)
        maps = torch.from_numpy(rng.gamma(2.0, 0.01, (20, 1, 24, 24)).astype(np.float32))
        masks = torch.ones_like(maps)
        masks[:, :, :3] = 0
        base = map_calibration(maps, masks, sigma=1.0)
        odd = maps.clone()
        odd[0] *= 1000  # one calibration image with an enormous error everywhere
        moved = map_calibration(odd, masks, sigma=1.0)
        per_image = np.sort([float(np.quantile(m[f.bool()].numpy(), 0.99)) for m, f in zip(smooth(maps, 1.0) * masks, masks)])
        # Pooled over all pixels the odd image would own the whole top 1%; per image it is one of 20.
        self.assertLessEqual(moved["pixelThreshold"], per_image[-1])
        self.assertGreater(moved["pixelThreshold"], base["pixelThreshold"] * 0.99)
        self.assertLess(moved["pixelScale"], base["pixelScale"] * 2)

    def test_degenerate_scale_is_left_out_and_too_few_images_fail(self):
        maps, masks = constant_maps([0.5, 0.5, 0.5])
        self.assertEqual(set(map_calibration(maps, masks, 0)), {"pixelThreshold"})
        with self.assertRaisesRegex(ValueError, "at least 2"):
            map_calibration(*constant_maps([0.5]), 0)

    def test_manifest_carries_it_and_the_engine_shows_the_same_map(self):
        size, kind = 32, "cae"
        with tempfile.TemporaryDirectory() as tmp:
            from PIL import Image

            img_dir = os.path.join(tmp, "images")
            os.makedirs(img_dir)
            x, _ = phantoms(4, 48, seed=11)
            for i in range(4):
                Image.fromarray((x[i, 0].numpy() * 65535).astype(np.uint16)).save(os.path.join(img_dir, f"p{i}.png"))
            spec = chest_spec(size, "unit")
            pre = D.preprocess(img_dir, spec, size, os.path.join(tmp, "cache"), log=lambda s: None)
            recs = D.read_index(pre)
            px, pm, _ = D.load_arrays(pre, recs)
            model = trained_a_little(kind, size)
            with torch.no_grad():
                maps = ScoreHead(model, 0.0)(px)["map_sq"]
            cal = map_calibration(maps, pm.float(), smoothing_sigma(size))
            self.assertIn("pixelScale", cal)
            export_onnx(model, "mse", 0.0, os.path.join(tmp, "m.onnx"))
            manifest = os.path.join(tmp, "m.model.json")
            write_manifest(manifest, model_id="m", name="m", onnx_file="m.onnx", size=size, spec=spec, score="mse",
                           calibration=calibration_of([0.1, 0.2, 0.3], "test"), map_calibration=cal)
            with open(manifest) as f:
                written = json.load(f)["calibration"]
            self.assertEqual((written["pixelThreshold"], written["pixelScale"]), (cal["pixelThreshold"], cal["pixelScale"]))
            first = [r["path"] for r in recs].index("p0.png")
            shown = (smooth(maps, smoothing_sigma(size)) * pm.float())[first]
            res = subprocess.run(["node", "--import", "tsx", "training/tests/engine_check.ts", manifest,
                                  os.path.join(img_dir, "p0.png")], cwd=REPO, capture_output=True, text=True)
            self.assertEqual(res.returncode, 0, res.stderr)
            seen = json.loads(res.stdout)["map"]
            # The engine's raw (smoothed, masked) map is the one calibrated here.
            self.assertAlmostEqual(seen["rawMax"], float(shown.max()), delta=1e-5 * max(1.0, float(shown.max())))
            # And it is read with this threshold: its hottest pixel is above 0.5 exactly when above the threshold.
            self.assertEqual(seen["max"] > 0.5, float(shown.max()) > cal["pixelThreshold"])


if __name__ == "__main__":
    unittest.main()
