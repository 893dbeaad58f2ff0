"""Plotly figures of the course; each chapter's figures live in their own module."""

from autoaegan.figures.theme import CLASS_COLOURS, IMAGE_COLOURSCALE, OKABE_ITO, use_theme

__all__ = ["CLASS_COLOURS", "IMAGE_COLOURSCALE", "OKABE_ITO", "use_theme"]
