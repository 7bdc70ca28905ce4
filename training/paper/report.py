"""The results table in the paper's layout (one row per model and score), next to the paper's figures."""
import numpy as np

# Test ROC-AUC, mean over 4 seeds, from the paper's logged results (../shared/notes/paper.md).
PAPER = {
    ("cae", "mse"): {"raw": .460, "raw+HE": .504, "crop": .466, "crop+HE": .510, "full": .501, "full+HE": .570},
    ("cae", "top200"): {"raw": .466, "raw+HE": .448, "crop": .486, "crop+HE": .473, "full": .506, "full+HE": .553},
    ("vae", "kld"): {"raw": .488, "raw+HE": .491, "crop": .470, "crop+HE": .496, "full": .520, "full+HE": .533},
    ("dcgan", "disc"): {"raw": .497, "raw+HE": .491, "crop": .493, "crop+HE": .493, "full": .530, "full+HE": .527},
    ("bigan", "disc"): {"raw": .508, "crop": .534, "full": .549, "full+HE": .523},
    ("alphagan", "disc"): {"raw": .503, "crop": .534, "full": .607, "full+HE": .584},
}
MODEL_NAMES = {"cae": "CAE", "vae": "VAE", "dcgan": "DCGAN", "bigan": "BiGAN", "alphagan": "alpha-GAN"}
SCORE_NAMES = {
    "mse": "MSE", "top200": "top-200", "l1": "L1", "l1_top200": "L1 top-200", "kld": "KLD", "l1_kld": "L1+KLD",
    "mse_kld": "MSE+KLD", "disc": "D", "code": "C", "disc_code": "(D+C)/2",
}


def mean_std(values):
    v = np.asarray(values, dtype=np.float64)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.3f}"


def with_interval(est, lo, hi):
    return f"{est:.3f} [{lo:.3f}, {hi:.3f}]"


def paper_table(kind, per_seed, split="test", title=None, columns=("full", "full+HE")):
    """per_seed: [{score: {split: {'auc': x, 'ap': y}}}] -> Markdown rows: ROC-AUC and AP mean ± std over
    seeds, then the paper's test ROC-AUC for the same score at its 'full' preprocessing levels."""
    n = len(per_seed)
    head = f"| score | ROC-AUC (mean ± std, {n} seed{'s' if n != 1 else ''}) | AP (mean ± std) | "
    head += " | ".join(f"paper ROC-AUC ({c})" for c in columns) + " |"
    lines = [f"### {title}" if title else "", "", head, "|" + "---|" * (3 + len(columns))]
    for score in per_seed[0]:
        aucs = [s[score][split]["auc"] for s in per_seed]
        aps = [s[score][split]["ap"] for s in per_seed]
        paper = PAPER.get((kind, score), {})
        ref = " | ".join(f"{paper[c]:.3f}" if c in paper else "-" for c in columns)
        lines.append(f"| {MODEL_NAMES[kind]} {SCORE_NAMES[score]} | {mean_std(aucs)} | {mean_std(aps)} | {ref} |")
    return "\n".join(lines).lstrip() + "\n"
