"""npm run paper -- <command> ... (or PYTHONPATH=training /usr/bin/python3 -m paper):

  mura  --data <MURA download> --model cae|vae|dcgan|bigan|alphagan [--seeds 0,1,2,3] [--epochs N] [--size N]
  chest --data <chest-xray-pneumonia> --model cae|alphagan|... [--size 64] [--epochs N]
"""
import argparse
import sys

from .experiment import run_chest, run_mura
from .models import MODELS


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m paper", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["mura", "chest"])
    p.add_argument("--data", required=True, help="MURA download (mura) or chest-xray-pneumonia folder (chest)")
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--out", help="results folder (default test-output/paper/<command>-<model>)")
    p.add_argument("--seeds", default=None, help="comma-separated training seeds (mura: 0,1,2,3; chest: 0)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--size", type=int, default=None, help="input size (mura: the paper's, 512 or 128; chest: 64)")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--base", type=int, default=None, help="channels of the first conv layer (default 16)")
    p.add_argument("--no-equalize", action="store_true", help="leave out histogram equalisation")
    p.add_argument("--keep", choices=["last", "best"], default="last",
                   help="chest: the last epoch's model (default) or the best held-out TRAIN epoch's (early stopping)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    a = p.parse_args(argv)
    out = a.out or f"test-output/paper/{a.command}-{a.model}"
    opts = {"base": a.base} if a.base else {}
    log = lambda s: print(s, flush=True)  # noqa: E731
    if a.command == "mura":
        seeds = tuple(int(s) for s in (a.seeds or "0,1,2,3").split(","))
        run_mura(a.model, a.data, out, size=a.size, epochs=a.epochs or 50, seeds=seeds, batch=a.batch or 16,
                 equalize=not a.no_equalize, log=log, model_options=opts, lr=a.lr, device=a.device)
    else:
        seeds = tuple(int(s) for s in (a.seeds or "0").split(","))
        run_chest(a.model, a.data, out, size=a.size or 64, epochs=a.epochs or 20, seeds=seeds, batch=a.batch or 32,
                  equalize=not a.no_equalize, log=log, model_options=opts, lr=a.lr, device=a.device, keep=a.keep)


if __name__ == "__main__":
    sys.exit(main())
