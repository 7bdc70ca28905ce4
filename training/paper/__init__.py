"""The reference paper's five models (Davletshina et al. 2020) on the product's own preprocessing.

Images reach training through `xray-anomaly preprocess` (the product's pipeline, one implementation);
models leave as ONNX + manifest that the extension and the CLI load unchanged.
"""
