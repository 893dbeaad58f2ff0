"""The noise-level explorer: corrupt a validation image, and see what a denoising autoencoder makes of it.

Sliders pick the image and the noise level (keyboard: focus a slider, then the
arrow keys); a toggle picks Gaussian noise or dropout; a menu picks the model.
The clean image, the noisy input and the reconstruction are shown side by side
as PNG images, with the MSE of each against the clean image. The computation is
`autoaegan.models.denoising.noisy_and_reconstruction`, a plain function.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from autoaegan.models.denoising import NOISE_KINDS, as_unit_floats, noisy_and_reconstruction
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot


def _captioned(image: ipywidgets.Image, caption: str) -> ipywidgets.VBox:
    return ipywidgets.VBox([ipywidgets.Label(caption), image], layout=ipywidgets.Layout(align_items="center"))


class DenoisingExplorer(StaticSnapshot, ipywidgets.VBox):
    """A widget: clean image, noisy input and reconstruction, for a chosen image, noise kind, level and model.

    `autoencoders` is one Keras autoencoder or a dict `{name: autoencoder}`; `images`
    are 28×28 images (uint8 or floats in [0, 1]), e.g. the validation set. The
    same `seed` gives the same noise pattern, so moving the level slider scales
    one pattern instead of drawing a new one.
    """

    snapshot_name = "The denoising explorer"

    def __init__(
        self,
        autoencoders,
        images,
        *,
        noise: str = "gaussian",
        level: float = 0.3,
        max_level: float = 0.9,
        seed: int = 0,
        scale: int = 5,
    ):
        if not isinstance(autoencoders, dict):
            autoencoders = {getattr(autoencoders, "name", "autoencoder"): autoencoders}
        if not autoencoders:
            raise ValueError("expected at least one autoencoder, got an empty dict")
        images = as_unit_floats(images)
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
            raise ValueError(f"expected images shaped (n, 28, 28) with n ≥ 1, got shape {images.shape}")
        if noise not in NOISE_KINDS:
            raise ValueError(f"noise must be one of {NOISE_KINDS}, got {noise!r}")
        if not 0.0 < max_level < 1.0 or not 0.0 <= level <= max_level:
            raise ValueError(f"expected 0 ≤ level ≤ max_level < 1, got level {level} and max_level {max_level}")
        self.autoencoders = dict(autoencoders)
        self.images = images
        self.seed = seed
        self.scale = scale

        wide = {"description_width": "initial"}
        self.model_picker = ipywidgets.Dropdown(options=list(self.autoencoders), description="Model:", style=wide)
        self.noise_picker = ipywidgets.ToggleButtons(
            options=[("Gaussian noise (σ)", "gaussian"), ("Dropout (rate)", "dropout")],
            value=noise,
            description="Noise:",
            style=wide,
            tooltips=["add N(0, σ²) to each pixel", "set a share of the pixels to 0"],
        )
        self.level_slider = ipywidgets.FloatSlider(
            value=level,
            min=0.0,
            max=max_level,
            step=0.05,
            description="Noise level:",
            readout_format=".2f",
            continuous_update=False,
            style=wide,
            layout=ipywidgets.Layout(width="420px"),
        )
        self.index_slider = ipywidgets.IntSlider(
            value=0,
            min=0,
            max=len(images) - 1,
            description="Validation image:",
            continuous_update=False,
            style=wide,
            layout=ipywidgets.Layout(width="420px"),
        )
        self.clean_image, self.noisy_image, self.reconstruction_image = (
            ipywidgets.Image(format="png") for _ in range(3)
        )
        self.readout = ipywidgets.HTML()
        pictures = ipywidgets.HBox(
            [
                _captioned(self.clean_image, "clean original"),
                _captioned(self.noisy_image, "noisy input"),
                _captioned(self.reconstruction_image, "reconstruction"),
            ]
        )
        controls = [self.model_picker, self.noise_picker, self.level_slider, self.index_slider]
        super().__init__(controls + [pictures, self.readout])
        for control in controls:
            control.observe(self._update, names="value")
        self._update()

    def compute(self):
        """The current `(clean, noisy, reconstruction)` images, as float32 28×28 arrays."""
        clean = self.images[self.index_slider.value]
        noisy, reconstruction = noisy_and_reconstruction(
            self.autoencoders[self.model_picker.value],
            clean,
            self.noise_picker.value,
            self.level_slider.value,
            seed=self.seed,
        )
        return clean, noisy, reconstruction

    def _update(self, change=None):
        clean, noisy, reconstruction = self.compute()
        self.clean_image.value = grey_png(clean, scale=self.scale)
        self.noisy_image.value = grey_png(noisy, scale=self.scale)
        self.reconstruction_image.value = grey_png(reconstruction, scale=self.scale)
        noisy_mse = float(np.mean((noisy - clean) ** 2))
        reconstruction_mse = float(np.mean((reconstruction - clean) ** 2))
        self.readout.value = (
            f"MSE against the clean image: noisy input <b>{noisy_mse:.4f}</b>, "
            f"reconstruction <b>{reconstruction_mse:.4f}</b>"
        )
