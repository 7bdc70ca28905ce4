"""Student-teacher / reverse distillation on the product's frozen MobileNetV2 (issue 11, round 3): a decoder
trained on the TRAIN normals' teacher features reconstructs the teacher's multi-scale maps; where it fails,
the image is unlike the normals. See docs/experiments/generalisation.md "Round 3"."""
