"""The map's calibration constants as the product defines them (src/core/fit/calibrate.ts), for the values the
viewer shows: the product smooths a reconstruction model's masked error map (postprocess.smoothingSigma,
src/core/scoring/gaussian.ts), masks it to the foreground again and normalises each foreground pixel with
calibration.pixelThreshold and calibration.pixelScale (src/core/scoring/calibration.ts normalizeMapValue).

  pixelThreshold = 90th percentile over the calibration images of each image's 99th percentile
  pixelScale     = 2 * (pixelThreshold - median over the images of each image's median)

so a typical normal pixel shows at 0.25 and the threshold at 0.5. Per image first (the product's
imageQuantile): one odd calibration image moves either by one rank among the images at most. Quantiles are
linear-interpolated like the product's (src/core/metrics/roc.ts quantile). Only foreground pixels count: the
background is never drawn."""
import math

import numpy as np
import torch
import torch.nn.functional as F

PIXEL_QUANTILE = (0.99, 0.9)


def gaussian_kernel(sigma):
    """The product's kernel: radius floor(4 sigma + 0.5) (scipy's truncate 4), normalised."""
    r = int(math.floor(4 * sigma + 0.5))
    i = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * i * i / (sigma * sigma))
    return (k / k.sum()).float()


def reflect_index(n, r):
    """Indices of a length-n signal extended by r on each side, half-sample symmetric (d c b a | a b c d)."""
    i = np.arange(-r, n + r)
    period = 2 * n
    j = np.mod(i, period)
    return torch.from_numpy(np.where(j >= n, period - 1 - j, j))


def smooth(maps, sigma):
    """[N,1,H,W] -> the same blurred separably as the product blurs a map (sigma <= 0: a copy)."""
    if not sigma > 0:
        return maps.clone()
    k = gaussian_kernel(sigma)
    r = (k.numel() - 1) // 2
    _, _, h, w = maps.shape
    x = maps.float()[..., reflect_index(w, r)]
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    x = x[..., reflect_index(h, r), :]
    return F.conv2d(x, k.view(1, 1, -1, 1))


def image_quantiles(maps, masks, q):
    """Quantile q of each image's foreground pixels ([N]); an image without foreground is left out."""
    out = []
    for m, fg in zip(maps, masks):
        v = m[fg.bool()].double().numpy()
        if v.size:
            out.append(np.quantile(v, q))
    return np.asarray(out)


def map_calibration(maps, masks, sigma):
    """{pixelThreshold, pixelScale} of the displayed map from calibration normals' raw error maps [N,1,H,W] and
    foreground masks; pixelScale is left out when it would not be positive (a degenerate calibration), as the
    product leaves it out."""
    shown = smooth(maps, sigma) * masks
    q, across = PIXEL_QUANTILE
    per_top = image_quantiles(shown, masks, q)
    if per_top.size < 2:
        raise ValueError(f"the map calibration needs at least 2 images with foreground, got {per_top.size}")
    threshold = float(np.quantile(per_top, across))
    median = float(np.quantile(image_quantiles(shown, masks, 0.5), 0.5))
    out = {"pixelThreshold": threshold}
    scale = 2 * (threshold - median)
    if scale > 0 and math.isfinite(scale):
        out["pixelScale"] = scale
    return out
