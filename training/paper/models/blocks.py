"""Layers shared by the five models: strided conv stacks, SAGAN self-attention, spectral norm."""
import math

import torch
from torch import nn
from torch.nn.utils import spectral_norm


def levels(size, bottom=4):
    """Stride-2 steps from size down to bottom (size must be bottom * 2^k)."""
    k = int(round(math.log2(size / bottom)))
    if k < 1 or bottom * 2**k != size:
        raise ValueError(f"input size {size} must be {bottom} times a power of two (>= {2 * bottom})")
    return k


def maybe_sn(layer, on):
    return spectral_norm(layer) if on else layer


class SelfAttention(nn.Module):
    """SAGAN self-attention (Zhang et al. 2019), as the paper's BiGAN used: x + gamma * attention(x)."""

    def __init__(self, channels, sn=True):
        super().__init__()
        inner = max(1, channels // 8)
        self.query = maybe_sn(nn.Conv2d(channels, inner, 1), sn)
        self.key = maybe_sn(nn.Conv2d(channels, inner, 1), sn)
        self.value = maybe_sn(nn.Conv2d(channels, channels, 1), sn)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)  # b, hw, c'
        k = self.key(x).flatten(2)  # b, c', hw
        attn = torch.softmax(torch.bmm(q, k), dim=-1)  # b, hw, hw
        v = self.value(x).flatten(2)  # b, c, hw
        out = torch.bmm(v, attn.transpose(1, 2)).view(b, c, h, w)
        return x + self.gamma * out


def down_stack(in_ch, base, steps, max_ch, bn=True, sn=False, act="lrelu", attention_at=None):
    """Conv(4, stride 2) steps; returns (module, out_channels). attention_at: step index after which to attend."""
    layers = []
    ch = in_ch
    for i in range(steps):
        out = min(base * 2**i, max_ch)
        layers.append(maybe_sn(nn.Conv2d(ch, out, 4, 2, 1, bias=not bn), sn))
        if bn and i > 0:
            layers.append(nn.BatchNorm2d(out))
        layers.append(nn.LeakyReLU(0.2, inplace=True) if act == "lrelu" else nn.ReLU(inplace=True))
        if attention_at == i:
            layers.append(SelfAttention(out, sn=sn))
        ch = out
    return nn.Sequential(*layers), ch


def up_stack(in_ch, base, steps, max_ch, out_ch, out_act, attention_at=None, sn=False):
    """ConvTranspose(4, stride 2) steps ending in out_ch channels and out_act."""
    layers = []
    ch = in_ch
    for i in range(steps):
        last = i == steps - 1
        out = out_ch if last else min(base * 2 ** (steps - 2 - i), max_ch)
        layers.append(maybe_sn(nn.ConvTranspose2d(ch, out, 4, 2, 1, bias=last), sn))
        if not last:
            layers += [nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            if attention_at == i:
                layers.append(SelfAttention(out, sn=sn))
        ch = out
    layers.append(out_act)
    return nn.Sequential(*layers)


def init_weights(module):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            # Under spectral norm the trained parameter is weight_orig; weight is derived from it.
            nn.init.normal_(getattr(m, "weight_orig", m.weight), 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
