"""The chapters' experiments: what a chapter measures with the library's models (memory by chunks,
representations, unsupervised pretraining, the DCGAN guidelines check)."""
