"""Metrics: reconstruction quality (`reconstruction`) and generative quality.

Generative quality: `features` checks images and turns them into the shipped
classifier's features, `generative` computes FD, KID, precision/recall and class
coverage on features, and `evaluation` measures a generated set against the test
set beside the real-vs-real floor (`evaluate_generated`).
"""
