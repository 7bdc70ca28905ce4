"""The paper's anomaly scores as one module per model, used both to evaluate in Python and inside the ONNX
export, so the numbers a user sees in the extension are the numbers reported here.

Reconstruction scores are masked to foreground pixels (input != black level), as the paper scored only
non-zero pixels: masked MSE / L1, and the mean of the top-k (default 200) masked pixel errors. KLD is the
VAE's KL divergence of q(z|x) from N(0, I), averaged over z. Discriminator scores are 1 - D(.), a
probability of 'not normal'; they have no map.
"""
import torch
from torch import nn

# Which per-pixel error map explains a score; None = an image score without a map.
MAP_OF = {
    "mse": "sq",
    "top200": "sq",
    "l1": "abs",
    "l1_top200": "abs",
    "kld": None,
    "l1_kld": "abs",
    "mse_kld": "sq",
    "disc": None,
    "code": None,
    "disc_code": None,
}

SCORES = {
    "cae": ["mse", "top200"],
    "vae": ["l1", "mse", "l1_top200", "top200", "kld", "l1_kld", "mse_kld"],
    "dcgan": ["disc"],
    "bigan": ["mse", "top200", "disc"],
    "alphagan": ["mse", "top200", "disc", "code", "disc_code"],
}


def masked_mean(err, mask):
    return (err * mask).sum((1, 2, 3)) / mask.sum((1, 2, 3)).clamp(min=1.0)


def top_k_mean(err, mask, k):
    flat = (err * mask).flatten(1)
    return flat.topk(min(k, flat.shape[1]), dim=1).values.mean(1)


class ScoreHead(nn.Module):
    """x -> {score name: [N]} plus the per-pixel maps 'map_sq' and 'map_abs' ([N,1,H,W], masked)."""

    def __init__(self, model, black, top_k=200):
        super().__init__()
        self.model = model
        self.kind = model.kind
        self.black = float(black)
        self.top_k = int(top_k)

    def forward(self, x):
        mask = (x != self.black).to(x.dtype)
        m, kind, out = self.model, self.kind, {}
        rec = mu = logvar = None
        if kind == "cae":
            rec = m(x)
        elif kind == "vae":
            rec, mu, logvar = m(x)
        elif kind in ("bigan", "alphagan"):
            z = m.E(x)
            rec = m.G(z)
            if kind == "bigan":
                out["disc"] = 1 - torch.sigmoid(m.D(x, z))
            else:
                out["disc"] = 1 - torch.sigmoid(m.D(x))
                out["code"] = 1 - torch.sigmoid(m.C(z))
                out["disc_code"] = (out["disc"] + out["code"]) / 2
        elif kind == "dcgan":
            out["disc"] = 1 - torch.sigmoid(m.D(x))
        if rec is not None:
            sq = (x - rec) ** 2 * mask
            ab = (x - rec).abs() * mask
            out["map_sq"], out["map_abs"] = sq, ab
            out["mse"] = masked_mean(sq, mask)
            out["top200"] = top_k_mean(sq, mask, self.top_k)
            if kind == "vae":
                out["l1"] = masked_mean(ab, mask)
                out["l1_top200"] = top_k_mean(ab, mask, self.top_k)
                out["kld"] = -0.5 * (1 + logvar - mu**2 - logvar.exp()).mean(1)
                out["l1_kld"] = out["l1"] + out["kld"]
                out["mse_kld"] = out["mse"] + out["kld"]
        return out


class ExportHead(nn.Module):
    """The ONNX graph: outputs pred_score (the chosen score), anomaly_map when that score has one, and every
    other score as score_<name> (ignored by the product, there for comparisons)."""

    def __init__(self, head, score):
        super().__init__()
        if score not in SCORES[head.kind]:
            raise ValueError(f"{head.kind} has no score {score!r}; one of {', '.join(SCORES[head.kind])}")
        self.head = head
        self.score = score
        self.map = MAP_OF[score]
        self.others = [s for s in SCORES[head.kind] if s != score]

    def output_names(self):
        return ["pred_score"] + (["anomaly_map"] if self.map else []) + [f"score_{s}" for s in self.others]

    def forward(self, x):
        out = self.head(x)
        res = [out[self.score]]
        if self.map:
            res.append(out[f"map_{self.map}"])
        return tuple(res + [out[s] for s in self.others])
