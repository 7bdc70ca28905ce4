"""ONNX export + manifest (schema xray-anomaly-model/1, src/core/model/manifest.ts) that the extension and
the CLI load unchanged. Reconstruction scores export pred_score + anomaly_map (per-pixel masked error; the
product smooths it for display); discriminator scores export pred_score only, and the viewer then says the
model gives no map."""
import copy
import json
import warnings

import numpy as np
import torch

from .scores import MAP_OF, ExportHead, ScoreHead

OPSET = 13


def strip_spectral_norm(module):
    """A copy with spectral norm folded into plain weights (same outputs in eval mode, a simpler graph)."""
    module = copy.deepcopy(module)
    for m in module.modules():
        if hasattr(m, "weight_orig"):
            torch.nn.utils.remove_spectral_norm(m)
    return module


def export_onnx(model, score, black, path, top_k=200):
    """Writes the ONNX file; returns (export head in eval mode, output names)."""
    model = strip_spectral_norm(model).eval()
    head = ExportHead(ScoreHead(model, black, top_k), score).eval()
    names = head.output_names()
    dummy = torch.full((1, 1, model.size, model.size), float(black))
    dummy[:, :, 2:-2, 2:-2] = torch.rand(1, 1, model.size - 4, model.size - 4)
    dynamic = {n: {0: "batch"} for n in ["input"] + names}
    with torch.no_grad(), warnings.catch_warnings():
        # The exporter warns about shape inference of constants and traced Python ints; the test checks the
        # graph against torch instead.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            head,
            dummy,
            path,
            input_names=["input"],
            output_names=names,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return head, names


def calibration_of(scores, source):
    """Threshold = 95th percentile of held-out normal scores; normalisation range min..(2*max - min)."""
    s = np.asarray(scores, dtype=np.float64)
    lo, hi = float(s.min()), float(s.max())
    if not hi > lo:
        hi = lo + 1e-6
    return {"threshold": float(np.percentile(s, 95)), "min": lo, "max": 2 * hi - lo, "source": source}


def smoothing_sigma(size):
    """The paper smoothed maps with sigma 5 at 512 px; the same width relative to the image."""
    return round(max(1.0, 5 * size / 512), 3)


def write_manifest(path, *, model_id, name, onnx_file, size, spec, score, calibration, description="",
                   map_calibration=None, metadata=None, license=None, provenance=None, version="1.0.0"):
    """map_calibration: {pixelThreshold, pixelScale} of the displayed map (mapcal.py); a model with a map
    and none reads its map with the score's threshold and range, which are in other units."""
    has_map = MAP_OF[score] is not None
    manifest = {
        "schema": "xray-anomaly-model/1",
        "id": model_id,
        "name": name,
        "version": version,
        "description": description,
        "onnx": onnx_file,
        "input": {"name": "input", "channels": 1, "height": size, "width": size},
        "preprocessing": spec,
        "outputs": {"score": "pred_score", **({"anomalyMap": "anomaly_map"} if has_map else {})},
        "calibration": {**calibration, **(map_calibration if has_map and map_calibration else {})},
    }
    if has_map:
        manifest["postprocess"] = {"smoothingSigma": smoothing_sigma(size), "maskForeground": True}
    if license:
        manifest["license"] = license
    if provenance:
        manifest["provenance"] = provenance
    if metadata:
        manifest["metadata"] = metadata
    if not description:
        del manifest["description"]
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def torch_outputs(head, x):
    with torch.no_grad():
        return [t.numpy() for t in head(torch.as_tensor(x))]
