"""Each of the five models trains on generated data: tiny size, few steps, and its loss falls."""
import unittest

import torch

from helpers import phantoms
from paper.models import VALUE_RANGE, build
from paper.train import fit

# The loss that must fall for each model, and by how much (last epoch's mean vs the first's).
WATCH = {"cae": "mse", "vae": "mse", "dcgan": "D", "bigan": "D", "alphagan": "l1"}


class TrainTest(unittest.TestCase):
    def check(self, kind, epochs=6):
        torch.manual_seed(0)
        signed = VALUE_RANGE[kind] == "signed"
        x, m = phantoms(24, 32, seed=1, signed=signed)
        model = build(kind, 32, base=8, **({"z": 16} if kind != "cae" else {}))
        history = fit(model, x, m, epochs=epochs, black=-1.0 if signed else 0.0, batch=8, seed=0, log=lambda s: None,
                      augment_advanced=False, lr=2e-3 if kind in ("cae", "vae") else None)
        first, last = history[0][WATCH[kind]], history[-1][WATCH[kind]]
        self.assertLess(last, first * 0.9, f"{kind}: {WATCH[kind]} {first:.4f} -> {last:.4f} ({history})")

    def test_cae(self):
        self.check("cae")

    def test_vae(self):
        self.check("vae")

    def test_dcgan(self):
        self.check("dcgan")

    def test_bigan(self):
        self.check("bigan")

    def test_alphagan(self):
        self.check("alphagan")


if __name__ == "__main__":
    unittest.main()
