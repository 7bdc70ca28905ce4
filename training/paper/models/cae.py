"""The paper's convolutional autoencoder: 10 conv layers (5 down, 5 up), BatchNorm, ReLU, tanh output."""
from torch import nn

from .blocks import init_weights, down_stack, up_stack


class CAE(nn.Module):
    kind = "cae"

    def __init__(self, size, base=16, max_channels=256):
        super().__init__()
        if size % 32:
            raise ValueError(f"CAE input size must be a multiple of 32 (got {size})")
        self.size = size
        self.encoder, ch = down_stack(1, base, 5, max_channels, act="relu")
        self.decoder = up_stack(ch, base, 5, max_channels, 1, nn.Tanh())
        init_weights(self)

    def forward(self, x):
        return self.decoder(self.encoder(x))
