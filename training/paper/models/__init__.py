"""Model registry: name -> constructor taking (size, **options)."""
from .alphagan import AlphaGAN
from .bigan import BiGAN
from .cae import CAE
from .dcgan import DCGAN
from .vae import VAE

MODELS = {"cae": CAE, "vae": VAE, "dcgan": DCGAN, "bigan": BiGAN, "alphagan": AlphaGAN}

# The paper fed autoencoders [0,1] images and GANs [-1,1] images (its step 7).
VALUE_RANGE = {"cae": "unit", "vae": "unit", "dcgan": "signed", "bigan": "signed", "alphagan": "signed"}


def build(name, size, **options):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; one of {', '.join(MODELS)}")
    return MODELS[name](size, **options)
