"""The paper's alpha-GAN (Rosca et al. 2017): encoder, generator, image discriminator D, code discriminator C."""
from torch import nn

from .blocks import init_weights
from .gan_parts import CodeCritic, Critic, Encoder, Generator


class AlphaGAN(nn.Module):
    kind = "alphagan"

    def __init__(self, size, base=16, max_channels=256, z=128):
        super().__init__()
        self.size = size
        self.z = z
        self.E = Encoder(size, z, base, max_channels)
        self.G = Generator(size, z, base, max_channels)
        self.D = Critic(size, base, max_channels)
        self.C = CodeCritic(z)
        init_weights(self)
