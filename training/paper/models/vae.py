"""The paper's variational autoencoder: conv encoder -> hidden h -> (mu, logvar) of z -> mirrored decoder."""
import torch
from torch import nn

from .blocks import init_weights, down_stack, up_stack


class VAE(nn.Module):
    kind = "vae"

    def __init__(self, size, base=16, max_channels=256, z=1024, hidden=2048):
        super().__init__()
        if size % 16:
            raise ValueError(f"VAE input size must be a multiple of 16 (got {size})")
        self.size = size
        self.z = z
        self.bottom = size // 16
        self.encoder, ch = down_stack(1, base, 4, max_channels, act="relu")
        self.ch = ch
        flat = ch * self.bottom * self.bottom
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(inplace=True))
        self.mu = nn.Linear(hidden, z)
        self.logvar = nn.Linear(hidden, z)
        self.fc_dec = nn.Sequential(nn.Linear(z, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, flat), nn.ReLU())
        self.decoder = up_stack(ch, base, 4, max_channels, 1, nn.Sigmoid())
        init_weights(self)

    def encode(self, x):
        h = self.fc(self.encoder(x))
        return self.mu(h), self.logvar(h).clamp(-20, 20)

    def decode(self, z):
        return self.decoder(self.fc_dec(z).view(-1, self.ch, self.bottom, self.bottom))

    def forward(self, x, sample=False):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        return self.decode(z), mu, logvar
