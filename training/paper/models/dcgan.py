"""The paper's DCGAN: generator G(z) and a spectral-normalised discriminator D(x); score 1 - D(x)."""
from torch import nn

from .blocks import init_weights
from .gan_parts import Critic, Generator


class DCGAN(nn.Module):
    kind = "dcgan"

    def __init__(self, size, base=16, max_channels=256, z=2048):
        super().__init__()
        self.size = size
        self.z = z
        self.G = Generator(size, z, base, max_channels)
        self.D = Critic(size, base, max_channels)
        init_weights(self)
