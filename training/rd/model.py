"""Reverse distillation (RD4AD-style, Deng & Li, CVPR 2022) on cached teacher features: a one-class
bottleneck embeds the teacher's multi-scale maps into a small grid, a decoder reconstructs each map from it,
and 1 - cosine similarity per position is the anomaly map. The bottleneck is what keeps the decoder from
copying anomalies through: it only learns to rebuild what the normals look like."""
import math

import torch
from torch import nn
from torch.nn import functional as F


def cbr(cin, cout, k=3, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def up(cin, cout):
    # Nearest upsampling + conv: ConvTranspose2d takes PyTorch's slow CPU path (slow_conv_transpose2d).
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), cbr(cin, cout, 1))


class ReverseDistillation(nn.Module):
    def __init__(self, chans, sizes, emb=256, width=128, fine=64):
        """chans/sizes: channels and grid side of each teacher tap (powers of two of the coarsest)."""
        super().__init__()
        self.chans, self.sizes = list(chans), list(sizes)
        coarse = min(sizes)
        self.coarse = coarse
        enc = []
        for c, s in zip(chans, sizes):
            layers = [cbr(c, width, 1)]
            for _ in range(int(math.log2(s // coarse))):
                layers.append(cbr(width, width, 3, 2))
            enc.append(nn.Sequential(*layers))
        self.enc = nn.ModuleList(enc)
        # The one-class bottleneck: all scales fused at half the coarsest grid.
        self.bottleneck = nn.Sequential(cbr(width * len(chans), emb, 3, 2), cbr(emb, emb, 1))
        # Decoder stages: coarse grid, then each doubling up to the finest tap.
        levels = int(math.log2(max(sizes) // coarse))
        stages = [nn.Sequential(up(emb, width), cbr(width, width))]
        cin = width
        for i in range(levels):
            cout = fine if i == 0 else max(fine // 2, 16)
            stages.append(nn.Sequential(up(cin, cout), cbr(cout, cout)))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.stage_of = [int(math.log2(s // coarse)) for s in sizes]
        self.heads = nn.ModuleList(
            [nn.Conv2d(self.stage_width(i), c, 1) for i, c in zip(self.stage_of, chans)]
        )

    def stage_width(self, i):
        return self.stages[i][-1][0].out_channels

    def forward(self, feats):
        z = torch.cat([e(f) for e, f in zip(self.enc, feats)], 1)
        h = self.bottleneck(z)
        outs = []
        for st in self.stages:
            h = st(h)
            outs.append(h)
        return [head(outs[i]) for head, i in zip(self.heads, self.stage_of)]


def distances(feats, recon):
    """1 - cosine similarity per position, per tap: list of [N, h, w]."""
    # By hand: F.cosine_similarity's CPU kernel is several times slower here.
    out = []
    for t, d in zip(feats, recon):
        num = (t * d).sum(1)
        den = ((t * t).sum(1) * (d * d).sum(1)).clamp_min(1e-12).sqrt()
        out.append(1 - num / den)
    return out


def loss_of(feats, recon):
    return sum(d.mean() for d in distances(feats, recon))


def anomaly_map(feats, recon, size):
    """Mean over taps of the per-tap distance maps, bilinearly resized to size x size: [N, size, size]."""
    maps = [F.interpolate(d[:, None], size=(size, size), mode="bilinear", align_corners=False) for d in distances(feats, recon)]
    return torch.stack(maps, 0).mean(0)[:, 0]


def central(m, margin):
    """The central field: `margin` of each side cut off (the default model's global.margin)."""
    s = m.shape[-1]
    k = int(round(s * margin))
    return m[..., k : s - k, k : s - k]


def image_scores(m, mu=None, sd=None, margin=0.2):
    """The image-score variants of a map batch [N, S, S]; mu/sd: per-position centring from calibration
    normals (z variants)."""
    out = {
        "mean": m.mean((1, 2)),
        "central": central(m, margin).mean((1, 2)),
        "max": F.avg_pool2d(m[:, None], 3, 1, 1)[:, 0].amax((1, 2)),
        "cmax": central(F.avg_pool2d(m[:, None], 3, 1, 1)[:, 0], margin).amax((1, 2)),
    }
    if mu is not None:
        z = (m - mu) / sd
        out["zmean"] = z.mean((1, 2))
        out["zcentral"] = central(z, margin).mean((1, 2))
        out["zcmax"] = central(F.avg_pool2d(z[:, None], 3, 1, 1)[:, 0], margin).amax((1, 2))
    return out


class Student(nn.Module):
    """STFPM-style student in feature space: from the teacher's shallower maps it predicts the deeper ones
    (e.g. block 6 -> block 10). Trained on normals only, it learns the teacher's mapping where normals live;
    where an image's features leave that region its prediction and the teacher part."""

    def __init__(self, chans_in, size_in, chans_out, sizes_out, width=96, depth=2):
        super().__init__()
        self.sizes_out = list(sizes_out)
        target = min(sizes_out)
        layers = [cbr(sum(chans_in), width, 3, 2 if size_in > target else 1)]
        for _ in range(int(math.log2(size_in // target)) - 1):
            layers.append(cbr(width, width, 3, 2))
        layers += [cbr(width, width) for _ in range(depth)]
        self.body = nn.Sequential(*layers)
        self.heads = nn.ModuleList([nn.Conv2d(width, c, 1) for c in chans_out])

    def forward(self, feats):
        h = self.body(torch.cat(feats, 1))
        return [F.interpolate(hd(h), size=(s, s), mode="nearest") if s != h.shape[-1] else hd(h)
                for hd, s in zip(self.heads, self.sizes_out)]
