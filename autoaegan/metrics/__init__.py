"""Metrics: reconstruction quality here; generative quality comes with the GAN chapters."""
