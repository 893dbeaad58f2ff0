"""The course's benchmarks: run each as a module from the repository root (`python -m benchmarks.NAME`).

`benchmarks.harness` holds what they share; their results go to `benchmarks/results/`.
"""

import os

# Quiet TensorFlow's C++ logging in every benchmark: this package is imported before any of its modules, so before
# TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
