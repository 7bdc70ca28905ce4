"""The MURA loader on a generated folder in MURA's layout: the product's CLI preprocesses it (the paper's
'full' spec: crop, inversion, text mask, hand split, equalisation), and the split is grouped by patient."""
import os
import tempfile
import unittest

import numpy as np
import torch

import helpers  # noqa: F401
from paper import data as D
from paper.augment import augment
from paper.specs import mura_spec


def write_mura(root, patients=20, seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    hand = os.path.join(root, "MURA-v1.1", "train", "XR_HAND")
    for p in range(patients):
        # Every third patient has an abnormal study as well as a normal one.
        studies = [("study1", "negative")] + ([("study2", "positive")] if p % 3 == 0 else [])
        for study, label in studies:
            d = os.path.join(hand, f"patient{p:05d}", f"{study}_{label}")
            os.makedirs(d)
            for i in range(2):
                img = np.full((80, 60), 20, np.uint8)
                y0, x0 = rng.integers(10, 20, 2)
                img[y0 : y0 + 50, x0 : x0 + 25] = rng.integers(120, 200)
                Image.fromarray(img).save(os.path.join(d, f"image{i + 1}.png"))
    return hand


class MuraTest(unittest.TestCase):
    def test_preprocess_through_the_cli_and_patient_grouped_split(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_mura(tmp)
            root = D.mura_hand_root(tmp)
            self.assertEqual(root, D.mura_hand_root(os.path.join(tmp, "MURA-v1.1")))
            out = D.preprocess(root, mura_spec(32, "unit"), 32, os.path.join(tmp, "cache"), log=lambda s: None)
            recs = D.read_index(out)
            self.assertEqual(len(recs), 20 * 2 + 7 * 2)
            self.assertTrue(all(r.get("outputs") for r in recs), [r for r in recs if not r.get("outputs")][:1])
            x, m, owner = D.load_arrays(out, recs)
            self.assertEqual(tuple(x.shape[1:]), (1, 32, 32))
            self.assertGreaterEqual(len(owner), len(recs))
            self.assertTrue(float(x.max()) <= 1 and float(x.min()) >= 0)
            split, labels = D.mura_split(recs, seed=0)
            parts = {k: {D.mura_label(recs[i]["path"])[0] for i in v} for k, v in split.items()}
            self.assertFalse(parts["train"] & parts["val"] or parts["train"] & parts["test"] or parts["val"] & parts["test"])
            self.assertTrue(all(labels[i] == 0 for i in split["train"]))
            # 13 normal-only patients: 70% (9) train; the other 4 + 7 with abnormal studies split 50/50.
            self.assertEqual(len(parts["train"]), 9)
            self.assertEqual({len(parts["val"]), len(parts["test"])}, {5, 6})
            self.assertEqual(sum(len(v) for v in split.values()), len(recs))
            self.assertNotEqual(D.mura_split(recs, seed=1)[0]["train"], split["train"])

    def test_bad_layout_is_named(self):
        with self.assertRaisesRegex(ValueError, "patientNNNNN"):
            D.mura_label("patient1/oops/image1.png")
        with self.assertRaisesRegex(FileNotFoundError, "XR_HAND"):
            D.mura_hand_root("/nonexistent")


class MuraCommandTest(unittest.TestCase):
    def test_the_reproduce_command_writes_the_paper_table(self):
        from paper.experiment import run_mura

        with tempfile.TemporaryDirectory() as tmp:
            write_mura(tmp, patients=12, seed=3)
            out = os.path.join(tmp, "results")
            per_seed = run_mura("cae", tmp, out, size=32, epochs=1, seeds=(0, 1), batch=8, log=lambda s: None,
                                model_options={"base": 4}, boot=20)
            self.assertEqual(len(per_seed), 2)
            with open(os.path.join(out, "cae-results.md")) as f:
                table = f.read()
            self.assertIn("| CAE MSE |", table)
            self.assertIn("2 seeds", table)
            # The paper's own figures sit beside ours (full and full+HE preprocessing).
            self.assertIn("0.501 | 0.570 |", table)
            self.assertRegex(table, r"\| CAE top-200 \| \d\.\d{3} ± \d\.\d{3} \|")


class AugmentTest(unittest.TestCase):
    def test_padding_stays_black_and_mask_follows(self):
        x, m = helpers.phantoms(6, 32, signed=True)
        g = torch.Generator().manual_seed(0)
        xa, ma = augment(x, m, -1.0, 1.0, g)
        self.assertTrue(torch.all(xa[ma == 0] == -1))
        self.assertTrue(float(xa.max()) <= 1.0)
        self.assertFalse(torch.equal(xa, x))
        self.assertGreater(float(ma.sum()), 0.5 * float(m.sum()))


if __name__ == "__main__":
    unittest.main()
