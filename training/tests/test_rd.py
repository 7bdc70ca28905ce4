"""Reverse distillation and the feature-space student (training/rd): shapes, the central field, the image
scores, and that a few steps on normal-like features lower the loss and leave an unusual map higher."""
import unittest

import torch

import helpers  # noqa: F401  (puts training/ on the path)
from rd import model as M
from rd.cache import grouped_holdout


def features(n, seed, shift=0.0):
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(n, 12, 16, 16, generator=g) + shift, torch.rand(n, 24, 8, 8, generator=g) + shift]


class ReverseDistillationTest(unittest.TestCase):
    def test_shapes_and_scores(self):
        torch.manual_seed(0)
        net = M.ReverseDistillation([12, 24], [16, 8], emb=16, width=8, fine=8).eval()
        f = features(3, 0)
        rec = net(f)
        self.assertEqual([r.shape for r in rec], [t.shape for t in f])
        m = M.anomaly_map(f, rec, 16)
        self.assertEqual(tuple(m.shape), (3, 16, 16))
        s = M.image_scores(m, m.mean(0), m.std(0) + 1e-4, 0.25)
        self.assertEqual(set(s), {"mean", "central", "max", "cmax", "zmean", "zcentral", "zcmax"})
        self.assertTrue(torch.allclose(s["central"], m[:, 4:12, 4:12].mean((1, 2))))

    def test_training_lowers_the_loss_and_an_unusual_input_scores_higher(self):
        torch.manual_seed(0)
        net = M.ReverseDistillation([12, 24], [16, 8], emb=16, width=8, fine=8)
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        normal = features(32, 1)
        first = None
        for _ in range(60):
            loss = M.loss_of(normal, net(normal))
            first = first if first is not None else loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(loss.item(), first / 2)
        net.eval()
        with torch.no_grad():
            usual = M.anomaly_map(features(8, 2), net(features(8, 2)), 16).mean()
            odd_in = [torch.rand(8, 12, 16, 16) * torch.linspace(0, 3, 12)[:, None, None], torch.rand(8, 24, 8, 8).flip(1) ** 4]
            odd = M.anomaly_map(odd_in, net(odd_in), 16).mean()
        self.assertGreater(odd.item(), usual.item())

    def test_student_predicts_the_deeper_taps(self):
        net = M.Student([12], 16, [24], [8], width=8).eval()
        f = features(2, 3)
        out = net(f[:1])
        self.assertEqual(out[0].shape, f[1].shape)

    def test_grouped_holdout_keeps_patients_together(self):
        groups = [f"p{i // 3}" for i in range(30)]
        rest, held = grouped_holdout(groups, 0.2, 0)
        self.assertEqual(sorted([*rest, *held]), list(range(30)))
        self.assertFalse({groups[i] for i in rest} & {groups[i] for i in held})
        self.assertEqual(len(held), 6)


if __name__ == "__main__":
    unittest.main()
