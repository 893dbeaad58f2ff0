"""One colour-blind-safe plotly theme shared by every figure of the course."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "autoaegan"

# Okabe & Ito (2008): eight colours that stay distinct under the common colour-vision deficiencies.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
# Ten classes need ten colours: two greys extend the palette, still distinct by lightness.
CLASS_COLOURS = OKABE_ITO + ("#999999", "#5A5A5A")
# Sequential scale for heat maps: viridis is perceptually uniform and colour-blind safe.
SEQUENTIAL = "Viridis"
# Fashion-MNIST images: dark garment on white paper, as in the book's figures.
IMAGE_COLOURSCALE = "gray_r"


def _template() -> go.layout.Template:
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.colorway = list(CLASS_COLOURS)
    template.layout.colorscale = {"sequential": SEQUENTIAL, "diverging": "RdBu"}
    template.layout.font = {"family": "Arial, Helvetica, sans-serif", "size": 13}
    template.layout.margin = {"l": 40, "r": 20, "t": 50, "b": 40}
    return template


def use_theme() -> str:
    """Register the course's plotly template and make it the default; return its name."""
    pio.templates[TEMPLATE_NAME] = _template()
    pio.templates.default = TEMPLATE_NAME
    return TEMPLATE_NAME
