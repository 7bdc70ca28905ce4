"""Generator, encoder and discriminator bodies for the three GANs (DCGAN-style, spectral norm on critics)."""
import torch
from torch import nn

from .blocks import down_stack, levels, maybe_sn, up_stack


class Generator(nn.Module):
    """z -> 4x4 -> ... -> size x size image in [-1, 1]; optional self-attention at the 32x32 stage."""

    def __init__(self, size, z, base=16, max_channels=256, attention=False):
        super().__init__()
        steps = levels(size)
        top = min(base * 2 ** (steps - 1), max_channels)
        self.top = top
        self.fc = nn.Linear(z, top * 16)
        self.start = nn.Sequential(nn.BatchNorm2d(top), nn.ReLU(inplace=True))
        at = _stage_for(steps, up=True) if attention else None
        self.up = up_stack(top, base, steps, max_channels, 1, nn.Tanh(), attention_at=at)

    def forward(self, z):
        return self.up(self.start(self.fc(z).view(-1, self.top, 4, 4)))


class ImageBody(nn.Module):
    """size x size image -> flat features (the shared trunk of encoders and discriminators)."""

    def __init__(self, size, base=16, max_channels=256, sn=False, bn=True, attention=False):
        super().__init__()
        steps = levels(size)
        at = _stage_for(steps, up=False) if attention else None
        self.net, ch = down_stack(1, base, steps, max_channels, bn=bn, sn=sn, attention_at=at)
        self.features = ch * 16

    def forward(self, x):
        return self.net(x).flatten(1)


class Critic(nn.Module):
    """Image discriminator: logit of 'real'."""

    def __init__(self, size, base=16, max_channels=256, attention=False):
        super().__init__()
        self.body = ImageBody(size, base, max_channels, sn=True, bn=False, attention=attention)
        self.head = maybe_sn(nn.Linear(self.body.features, 1), True)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(1)


class Encoder(nn.Module):
    def __init__(self, size, z, base=16, max_channels=256, attention=False):
        super().__init__()
        self.body = ImageBody(size, base, max_channels, attention=attention)
        self.head = nn.Linear(self.body.features, z)

    def forward(self, x):
        return self.head(self.body(x))


class CodeCritic(nn.Module):
    """alpha-GAN's code discriminator C(z): an MLP, logit of 'drawn from the prior'."""

    def __init__(self, z, hidden=256):
        super().__init__()
        self.net = nn.Sequential(
            maybe_sn(nn.Linear(z, hidden), True),
            nn.LeakyReLU(0.2, inplace=True),
            maybe_sn(nn.Linear(hidden, hidden), True),
            nn.LeakyReLU(0.2, inplace=True),
            maybe_sn(nn.Linear(hidden, 1), True),
        )

    def forward(self, z):
        return self.net(z).squeeze(1)


class JointCritic(nn.Module):
    """BiGAN's D(x, z): image trunk (with self-attention) and code MLP, joined."""

    def __init__(self, size, z, base=16, max_channels=256, hidden=256):
        super().__init__()
        self.body = ImageBody(size, base, max_channels, sn=True, bn=False, attention=True)
        self.code = nn.Sequential(maybe_sn(nn.Linear(z, hidden), True), nn.LeakyReLU(0.2, inplace=True))
        self.head = nn.Sequential(
            maybe_sn(nn.Linear(self.body.features + hidden, hidden), True),
            nn.LeakyReLU(0.2, inplace=True),
            maybe_sn(nn.Linear(hidden, 1), True),
        )

    def forward(self, x, z):
        return self.head(torch.cat([self.body(x), self.code(z)], 1)).squeeze(1)


def _stage_for(steps, up):
    """Stack index whose output is 32x32 (or the middle stage for small inputs), where attention sits."""
    # Down stage i outputs size / 2^(i+1); up stage i outputs 4 * 2^(i+1).
    stage = steps - 4 if not up else 2
    return max(0, min(steps - 2, stage))


