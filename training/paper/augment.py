"""The paper's training-only augmentation on preprocessed batches: flips, and 'advanced' brightness x0.8-1.2,
scale 0.8-1.2, rotation +-20 degrees. It works on the signal above the black level, so padding stays black
and the foreground mask moves with the image. (Augmentation, not preprocessing: the pipeline itself runs
only in the product.)"""
import math

import torch
import torch.nn.functional as F


def augment(x, mask, black, top, generator=None, flips=True, advanced=True):
    """x, mask: [N,1,H,W]; black/top: the range's ends (0/1 or -1/1). Returns new tensors."""
    n = x.shape[0]
    g = generator

    def uniform(lo, hi):
        return torch.rand(n, generator=g) * (hi - lo) + lo

    s = (x - black).clamp(min=0)
    if flips:
        flip = torch.rand(n, generator=g) < 0.5
        s = torch.where(flip[:, None, None, None], s.flip(3), s)
        mask = torch.where(flip[:, None, None, None], mask.flip(3), mask)
    if advanced:
        s = (s * uniform(0.8, 1.2)[:, None, None, None]).clamp(max=top - black)
        angle = uniform(-20, 20) * math.pi / 180
        scale = uniform(0.8, 1.2)
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        theta = torch.stack(
            [torch.stack([cos, -sin, torch.zeros(n)], 1), torch.stack([sin, cos, torch.zeros(n)], 1)], 1
        )
        grid = F.affine_grid(theta, list(s.shape), align_corners=False)
        s = F.grid_sample(s, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        mask = F.grid_sample(mask, grid, mode="nearest", padding_mode="zeros", align_corners=False)
        s = s * mask
    return s + black, mask
