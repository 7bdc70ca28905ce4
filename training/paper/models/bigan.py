"""The paper's BiGAN with self-attention: encoder E(x), generator G(z), joint discriminator D(x, z)."""
from torch import nn

from .blocks import init_weights
from .gan_parts import Encoder, Generator, JointCritic


class BiGAN(nn.Module):
    kind = "bigan"

    def __init__(self, size, base=16, max_channels=256, z=128):
        super().__init__()
        self.size = size
        self.z = z
        self.E = Encoder(size, z, base, max_channels, attention=True)
        self.G = Generator(size, z, base, max_channels, attention=True)
        self.D = JointCritic(size, z, base, max_channels)
        init_weights(self)
