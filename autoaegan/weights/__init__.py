"""Shipped pretrained weights and their manifests (see autoaegan.pretrained)."""
