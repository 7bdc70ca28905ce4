"""Preprocessing specs (the product's pipeline JSON; see docs/preprocessing.md) for the paper's settings.
Python only names the steps: `xray-anomaly preprocess` runs them, and the same JSON goes into the manifest."""


def range_steps(kind_range):
    # The paper scaled to [0,1] for autoencoders and [-1,1] for GANs (its step 7).
    return [{"op": "scale", "scale": 2, "offset": -1}] if kind_range == "signed" else []


def black_of(kind_range):
    return -1.0 if kind_range == "signed" else 0.0


def mura_spec(size, kind_range, equalize=True):
    """The paper's 'full' level with the product's steps: film crop, upright, bright-background inversion,
    text labels masked, subject mask, one output per hand, histogram equalisation, resize + pad."""
    steps = [
        {"op": "intensity", "mode": "percentile", "low": 0.5, "high": 99.5},
        {"op": "cropExposed"},
        {"op": "photometric", "invertBrightBackground": True},
        {"op": "rotatePortrait", "direction": "upright"},
        {"op": "maskText", "mode": "mask"},
        {"op": "foreground", "components": 2, "zeroBackground": True},
        {"op": "splitHands"},
    ]
    if equalize:
        steps.append({"op": "histogramEqualize"})
    steps.append({"op": "resizePad", "size": size})
    return {"steps": steps + range_steps(kind_range)}


def chest_spec(size, kind_range, equalize=True):
    """Chest radiographs: the starter model's steps (percentile window, inversion check, equalisation)."""
    steps = [
        {"op": "intensity", "mode": "percentile", "low": 0.5, "high": 99.5},
        {"op": "photometric", "invertBrightBackground": True},
    ]
    if equalize:
        steps.append({"op": "histogramEqualize"})
    steps.append({"op": "resizePad", "size": size})
    return {"steps": steps + range_steps(kind_range)}
