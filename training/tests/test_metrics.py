"""Metrics agree with their definitions on small hand-checked cases."""
import unittest

import numpy as np

import helpers  # noqa: F401  (puts training/ on the path)
from paper.metrics import average_precision, bootstrap, roc_auc


class MetricsTest(unittest.TestCase):
    def test_auc(self):
        self.assertEqual(roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1.0)
        self.assertEqual(roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0.0)
        self.assertEqual(roc_auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5)
        # 3 of 4 positive/negative pairs ordered right, one tie counted half: (3 + 0.5) / 4
        self.assertAlmostEqual(roc_auc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]), 0.875)

    def test_ap(self):
        self.assertEqual(average_precision([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1.0)
        # ranks: 1 (pos), 0.8 (neg), 0.6 (pos): AP = 0.5 * 1 + 0.5 * 2/3
        self.assertAlmostEqual(average_precision([1.0, 0.8, 0.6], [1, 0, 1]), 0.5 + 1 / 3)

    def test_bootstrap_interval_contains_estimate(self):
        rng = np.random.default_rng(0)
        y = np.r_[np.zeros(100), np.ones(100)]
        s = y + rng.normal(0, 1, 200)
        est, lo, hi = bootstrap(roc_auc, s, y, n=200)
        self.assertTrue(lo < est < hi, (lo, est, hi))
        self.assertLess(hi - lo, 0.2)


if __name__ == "__main__":
    unittest.main()
