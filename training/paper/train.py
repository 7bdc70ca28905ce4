"""Training loops for the five models. Each model has one step function (losses as the paper trained
them); `fit` runs epochs over an in-memory set with the paper's augmentation, logs every epoch, and keeps a
checkpoint it resumes from."""
import json
import os
import time

import torch
import torch.nn.functional as F

from .augment import augment
from .scores import masked_mean

# Paper's learning rates where it gave them (CAE 1e-4, VAE 5e-5); the GANs use the DCGAN defaults.
DEFAULT_LR = {"cae": 1e-4, "vae": 5e-5, "dcgan": 2e-4, "bigan": 2e-4, "alphagan": 2e-4}
BETAS = {"cae": (0.9, 0.999), "vae": (0.9, 0.999)}


def bce(logits, real):
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


class Trainer:
    """Optimisers and one training step for a model; `step` returns a dict of float losses."""

    def __init__(self, model, lr=None, recon_weight=10.0, kld_weight=1.0):
        self.model = model
        self.kind = model.kind
        lr = lr or DEFAULT_LR[self.kind]
        betas = BETAS.get(self.kind, (0.5, 0.999))
        self.recon_weight = recon_weight
        self.kld_weight = kld_weight
        m = model

        def adam(*mods):
            return torch.optim.Adam([p for mod in mods for p in mod.parameters()], lr=lr, betas=betas)

        if self.kind in ("cae", "vae"):
            self.opts = {"ae": adam(m)}
        elif self.kind == "dcgan":
            self.opts = {"G": adam(m.G), "D": adam(m.D)}
        elif self.kind == "bigan":
            self.opts = {"EG": adam(m.E, m.G), "D": adam(m.D)}
        else:
            self.opts = {"EG": adam(m.E, m.G), "D": adam(m.D), "C": adam(m.C)}

    def state_dict(self):
        return {k: o.state_dict() for k, o in self.opts.items()}

    def load_state_dict(self, state):
        for k, o in self.opts.items():
            o.load_state_dict(state[k])

    def _update(self, name, loss):
        opt = self.opts[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def step(self, x, mask):
        m, k = self.model, self.kind
        m.train()
        n = x.shape[0]
        if k == "cae":
            loss = masked_mean((m(x) - x) ** 2, mask).mean()
            self._update("ae", loss)
            return {"mse": loss.item()}
        if k == "vae":
            rec, mu, logvar = m(x, sample=True)
            recon = masked_mean((rec - x) ** 2, mask).mean()
            kld = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)).mean() / x[0].numel()
            loss = recon + self.kld_weight * kld
            self._update("ae", loss)
            return {"mse": recon.item(), "kld": kld.item()}
        z = torch.randn(n, m.z, device=x.device)
        if k == "dcgan":
            fake = m.G(z)
            d_loss = bce(m.D(x), True) + bce(m.D(fake.detach()), False)
            self._update("D", d_loss)
            g_loss = bce(m.D(fake), True)
            self._update("G", g_loss)
            return {"D": d_loss.item(), "G": g_loss.item()}
        if k == "bigan":
            z_hat = m.E(x)
            fake = m.G(z)
            d_loss = bce(m.D(x, z_hat.detach()), True) + bce(m.D(fake.detach(), z), False)
            self._update("D", d_loss)
            eg_loss = bce(m.D(x, z_hat), False) + bce(m.D(fake, z), True)
            self._update("EG", eg_loss)
            with torch.no_grad():
                rec = masked_mean((m.G(m.E(x)) - x) ** 2, mask).mean()
            return {"D": d_loss.item(), "EG": eg_loss.item(), "mse": rec.item()}
        # alpha-GAN (Rosca et al. 2017): reconstruction + image adversary on reconstructions and samples +
        # code adversary on encodings.
        z_hat = m.E(x)
        rec = m.G(z_hat)
        gen = m.G(z)
        l1 = masked_mean((rec - x).abs(), mask).mean()
        eg_loss = self.recon_weight * l1 + bce(m.D(rec), True) + bce(m.D(gen), True) + bce(m.C(z_hat), True)
        self._update("EG", eg_loss)
        d_loss = bce(m.D(x), True) + 0.5 * (bce(m.D(rec.detach()), False) + bce(m.D(gen.detach()), False))
        self._update("D", d_loss)
        c_loss = bce(m.C(z), True) + bce(m.C(z_hat.detach()), False)
        self._update("C", c_loss)
        with torch.no_grad():
            mse = masked_mean((rec - x) ** 2, mask).mean()
        return {"l1": l1.item(), "mse": mse.item(), "D": d_loss.item(), "C": c_loss.item()}


def fit(
    model,
    x,
    mask,
    *,
    epochs,
    black,
    top=1.0,
    batch=32,
    lr=None,
    seed=0,
    augment_flips=True,
    augment_advanced=True,
    checkpoint=None,
    log=print,
    max_steps=None,
    device="cpu",
    on_epoch=None,
):
    """Trains on x/mask ([N,1,H,W] tensors). Returns the per-epoch mean losses. Resumes from `checkpoint`.
    on_epoch(epoch, model) may return a dict that is stored with that epoch's losses (e.g. validation AUC)."""
    torch.manual_seed(seed)
    trainer = Trainer(model, lr=lr)
    history, start = [], 0
    if checkpoint and os.path.exists(checkpoint):
        state = torch.load(checkpoint, map_location=device)
        model.load_state_dict(state["model"])
        trainer.load_state_dict(state["opt"])
        history, start = state["history"], state["epoch"]
        torch.set_rng_state(state["rng"])
        log(f"resumed from {checkpoint} at epoch {start}")
    gen = torch.Generator().manual_seed(seed + 1)
    steps = 0
    for epoch in range(start, epochs):
        t0 = time.time()
        order = torch.randperm(x.shape[0], generator=gen)
        sums = {}
        count = 0
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            if len(idx) < 2:
                continue  # BatchNorm needs two samples
            xb, mb = augment(x[idx].float(), mask[idx].float(), black, top, gen, augment_flips, augment_advanced)
            for key, v in trainer.step(xb.to(device), mb.to(device)).items():
                sums[key] = sums.get(key, 0.0) + v
            count += 1
            steps += 1
            if max_steps and steps >= max_steps:
                break
        means = {k: v / max(count, 1) for k, v in sums.items()}
        if on_epoch:
            means.update(on_epoch(epoch + 1, model) or {})
            model.train()
        history.append(means)
        log(f"epoch {epoch + 1}/{epochs} {json.dumps({k: round(v, 5) for k, v in means.items()})} {time.time() - t0:.1f}s")
        if checkpoint:
            torch.save(
                {
                    "model": model.state_dict(),
                    "opt": trainer.state_dict(),
                    "history": history,
                    "epoch": epoch + 1,
                    "rng": torch.get_rng_state(),
                },
                checkpoint + ".tmp",
            )
            os.replace(checkpoint + ".tmp", checkpoint)
        if max_steps and steps >= max_steps:
            break
    return history
