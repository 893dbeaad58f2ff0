"""Latent arithmetic (Radford et al. 2016): average the codings of a few picked samples per concept, then A − B + C.

The DCGAN paper's famous figure: "men with glasses" − "men without glasses" +
"women without glasses" decodes to women with glasses. One sample's coding is too
noisy for that, so the paper averages the codings of three samples per concept,
and the arithmetic is done on the averages, in the latent space: a mean taken over
pixels would give three overlapping images, a mean taken over codings a new
image of the same kind.

The pure functions do the arithmetic: `concept_mean` averages the picked codings,
`arithmetic` computes A − B + C, `pixel_arithmetic` does the same on images (the
contrast: a ghostly superposition), and `variations` draws codings around a result
(the paper added uniform noise of ±0.25 to show several). `LatentArithmetic` is the
widget: a grid of generated samples for each concept, with a checkbox under each
to pick it, and the decoded means and result, updated as the picks change.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Sequence

import ipywidgets
import numpy as np

from autoaegan.arguments import is_whole_number, non_negative_int, positive_int
from autoaegan.latent import sample_codings
from autoaegan.pixels import generated_to_images
from autoaegan.widgets.decoding import decode
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot

CONCEPTS = ("A", "B", "C")
# The paper's noise around the result, uniform in ±NOISE on every coordinate.
NOISE = 0.25
WIDGET_CLASS = "latent-arithmetic"
RESULT_CLASS = "latent-arithmetic-result"


def _codings(codings, name: str = "codings") -> np.ndarray:
    array = np.asarray(codings)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array (n, latent_dim) with n ≥ 1, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers")
    return array.astype(np.float32)


def _picked_rows(picked, count: int, name: str) -> np.ndarray:
    """Row indices from a sequence of indices or a boolean mask of length `count`."""
    array = np.asarray(list(picked) if not isinstance(picked, np.ndarray) else picked)
    if array.dtype == bool:
        if array.shape != (count,):
            raise ValueError(
                f"{name}: a boolean mask must have one entry per coding ({count}), got shape {array.shape}"
            )
        rows = np.flatnonzero(array)
    else:
        if array.size and (array.ndim != 1 or not np.issubdtype(array.dtype, np.integer)):
            raise TypeError(
                f"{name} must be row indices (integers) or a boolean mask, got {array.dtype} of shape {array.shape}"
            )
        rows = array.astype(int).reshape(-1)
        if rows.size and (rows.min() < -count or rows.max() >= count):
            raise IndexError(f"{name}: indices must lie in 0..{count - 1}, got {rows.tolist()}")
    if rows.size == 0:
        raise ValueError(f"{name}: pick at least one sample")
    return rows


def concept_mean(codings, picked) -> np.ndarray:
    """The mean of the picked rows of `codings` `(n, latent_dim)`: float32, shape `(latent_dim,)`.

    `picked` is a sequence of row indices or a boolean mask with one entry per row;
    picking nothing is an error (a concept needs at least one sample). A row picked
    twice counts twice.
    """
    codings = _codings(codings)
    rows = _picked_rows(picked, len(codings), "picked")
    return codings[rows].mean(axis=0).astype(np.float32)


def _vector(value, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1 or array.size == 0 or not np.isfinite(array).all():
        raise ValueError(f"{name} must be one coding: a non-empty 1-D array of finite numbers, got shape {array.shape}")
    return array


def arithmetic(a, b, c) -> np.ndarray:
    """A − B + C for three codings of the same size (the concepts' means): float32, shape `(latent_dim,)`."""
    a, b, c = _vector(a, "a"), _vector(b, "b"), _vector(c, "c")
    if not a.shape == b.shape == c.shape:
        raise ValueError(f"a, b and c must have the same size, got {a.size}, {b.size} and {c.size}")
    return (a - b + c).astype(np.float32)


def pixel_arithmetic(a, b, c) -> np.ndarray:
    """A − B + C on images in [0, 1] of the same shape, clipped to [0, 1]: what the latent arithmetic avoids."""
    a, b, c = (np.asarray(x, dtype=np.float32) for x in (a, b, c))
    if not a.shape == b.shape == c.shape or a.ndim != 2:
        raise ValueError(f"a, b and c must be images of one shape (height, width), got {a.shape}, {b.shape}, {c.shape}")
    return np.clip(a - b + c, 0.0, 1.0)


def variations(coding, n: int, *, seed, noise: float = NOISE) -> np.ndarray:
    """`n` codings around `coding`: the coding plus uniform noise in ±`noise` per coordinate, shape `(n, dim)`."""
    coding = _vector(coding, "coding").astype(np.float32)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    offsets = rng.uniform(-noise, noise, size=(positive_int(n, "n"), coding.size)).astype(np.float32)
    return coding[None] + offsets


def codings_by_class(
    generator, classifier, class_index: int, n: int, *, seed: int, value_range=(-1.0, 1.0), pool: int = 2_000
) -> np.ndarray:
    """Up to `n` codings whose generated images `classifier` puts in class `class_index`, drawn from `pool` samples.

    A way to fill a concept's grid with, say, sneakers: `classifier` maps images in
    [0, 1] shaped (m, 28, 28) to class probabilities (the shipped
    `fashion_classifier`). Returns fewer than `n` rows when the pool holds fewer;
    raises when it holds none.
    """
    codings = sample_codings(positive_int(pool, "pool"), int(generator.input_shape[-1]), seed=seed)
    images = generated_to_images(decode(generator, codings), value_range=value_range)
    probabilities = np.asarray(
        classifier(images, training=False) if hasattr(classifier, "layers") else classifier(images)
    )
    rows = np.flatnonzero(np.argmax(probabilities, axis=1) == int(class_index))
    if rows.size == 0:
        raise ValueError(f"none of {pool} generated samples was classified as class {class_index}")
    # The most confident first: the clearest examples of the class.
    order = rows[np.argsort(-probabilities[rows, int(class_index)])]
    return codings[order[: positive_int(n, "n")]]


class LatentArithmetic(StaticSnapshot, ipywidgets.VBox):
    """Pick samples for three concepts A, B, C; see the decoded means and A − B + C.

    - `generator`: a Keras model mapping codings `(n, latent_dim)` to images `(n, 28, 28)`
      or `(n, 28, 28, 1)` with outputs in `value_range` ((-1, 1) for a DCGAN's tanh).
    - `pools`: the candidate codings of each concept, three arrays `(n_i, latent_dim)`
      (e.g. from `codings_by_class`); by default `candidates` samples from N(0, I) each,
      drawn from `seed`'s stream ("New samples" draws more).
    - `names`: what the three concepts are, shown above their grids (editable).
    - `picks`: the samples picked at the start, three lists of indices (default none).

    `compute()` returns the current means, result and pixel-space contrast as images
    in [0, 1] (or None while a concept has no pick); the widget redraws after each pick.
    """

    snapshot_name = "The latent arithmetic explorer"

    def __init__(
        self,
        generator,
        *,
        pools: Sequence | None = None,
        candidates: int = 12,
        seed: int = 0,
        value_range: tuple[float, float] = (-1.0, 1.0),
        names: Sequence[str] = ("A", "B", "C"),
        picks: Sequence[Sequence[int]] | None = None,
        columns: int = 6,
        scale: int = 3,
        n_variations: int = 4,
    ):
        self.generator = generator
        self.value_range = (float(value_range[0]), float(value_range[1]))
        if not self.value_range[0] < self.value_range[1]:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}")
        self.latent_dim = int(generator.input_shape[-1])
        self.scale, self.columns = positive_int(scale, "scale"), positive_int(columns, "columns")
        self.n_variations = int(n_variations)
        if self.n_variations < 0:
            raise ValueError(f"n_variations must be ≥ 0, got {n_variations!r}")
        seed = non_negative_int(seed, "seed")
        self._rng = np.random.default_rng(seed)
        self._variation_seed = seed
        self._candidates = positive_int(candidates, "candidates")
        names = [str(name) for name in names]
        if len(names) != 3:
            raise ValueError(f"names must name the three concepts A, B and C, got {len(names)} names")
        if pools is None:
            pools = [sample_codings(self._candidates, self.latent_dim, seed=self._rng) for _ in CONCEPTS]
        if len(pools) != 3:
            raise ValueError(f"pools must hold three arrays of codings (A, B, C), got {len(pools)}")
        self.pools = [self._check_pool(pool, concept) for pool, concept in zip(pools, CONCEPTS)]
        self._quiet = False

        self.name_fields = [
            ipywidgets.Text(
                value=name,
                description=f"{concept}:",
                continuous_update=False,
                layout=ipywidgets.Layout(width="260px"),
                tooltip=f"what concept {concept} is",
            )
            for name, concept in zip(names, CONCEPTS)
        ]
        self.new_buttons = [
            ipywidgets.Button(
                description="New samples",
                icon="random",
                tooltip=f"draw new candidates for {concept} (clears its picks)",
            )
            for concept in CONCEPTS
        ]
        self.grids = [
            ipywidgets.GridBox(
                layout=ipywidgets.Layout(
                    grid_template_columns=f"repeat({self.columns}, max-content)", grid_gap="2px 6px"
                )
            )
            for _ in CONCEPTS
        ]
        self.checkboxes: list[list[ipywidgets.Checkbox]] = [[] for _ in CONCEPTS]
        self.candidate_images: list[np.ndarray | None] = [None] * 3  # each pool decoded, in [0, 1]
        self.mean_images = [ipywidgets.Image(format="png") for _ in CONCEPTS]
        self.result_image = ipywidgets.Image(format="png")
        self.result_image.add_class(RESULT_CLASS)
        self.pixel_image = ipywidgets.Image(format="png")
        self.variation_images = [ipywidgets.Image(format="png") for _ in range(self.n_variations)]
        self.status = ipywidgets.HTML()

        sections = []
        for index in range(len(CONCEPTS)):
            self._fill_grid(index)
            self.new_buttons[index].on_click(lambda _button, i=index: self.new_samples(i))
            self.name_fields[index].observe(self._on_change, names="value")
            sections.append(
                ipywidgets.VBox(
                    [ipywidgets.HBox([self.name_fields[index], self.new_buttons[index]]), self.grids[index]]
                )
            )

        def captioned(image, caption):
            return ipywidgets.VBox([ipywidgets.Label(caption), image], layout=ipywidgets.Layout(align_items="center"))

        self._captions = [ipywidgets.Label() for _ in CONCEPTS]
        means = [
            ipywidgets.VBox([caption, image], layout=ipywidgets.Layout(align_items="center"))
            for caption, image in zip(self._captions, self.mean_images)
        ]
        results = ipywidgets.HBox(
            [
                means[0],
                ipywidgets.HTML("<h3>−</h3>"),
                means[1],
                ipywidgets.HTML("<h3>+</h3>"),
                means[2],
                ipywidgets.HTML("<h3>=</h3>"),
                captioned(self.result_image, "A − B + C, decoded"),
                captioned(self.pixel_image, "A − B + C on pixels"),
            ],
            layout=ipywidgets.Layout(align_items="center"),
        )
        children = [
            ipywidgets.HTML(
                "<b>Latent arithmetic</b>: tick a few samples (three is the paper's choice) for each "
                "concept; their codings are averaged, and A − B + C is decoded."
            ),
            *sections,
            ipywidgets.HTML("<b>Means of the picked codings, and the result</b>"),
            results,
        ]
        if self.variation_images:
            children += [
                ipywidgets.HTML(f"Around the result (uniform noise ±{NOISE}):"),
                ipywidgets.HBox(self.variation_images),
            ]
        children.append(self.status)
        super().__init__(children)
        self.add_class(WIDGET_CLASS)
        if picks is not None:
            if len(picks) != 3:
                raise ValueError(f"picks must hold three lists of indices (A, B, C), got {len(picks)}")
            with self._holding():
                for index, chosen in enumerate(picks):
                    self.set_picked(index, chosen)
        self._render()

    # -- checks and grids -----------------------------------------------------------------------------------------

    def _check_pool(self, pool, concept: str) -> np.ndarray:
        pool = _codings(pool, f"the codings of concept {concept}")
        if pool.shape[1] != self.latent_dim:
            raise ValueError(
                f"the codings of concept {concept} have {pool.shape[1]} dimensions, the generator "
                f"takes {self.latent_dim}"
            )
        return pool

    def decode_unit(self, codings) -> np.ndarray:
        """Decode codings `(n, latent_dim)` into images in [0, 1] (rescaled from `value_range`, clipped)."""
        return generated_to_images(decode(self.generator, codings), value_range=self.value_range)

    def _fill_grid(self, index: int) -> None:
        images = self.decode_unit(self.pools[index])
        self.candidate_images[index] = images
        boxes, cells = [], []
        for number, image in enumerate(images):
            box = ipywidgets.Checkbox(
                value=False,
                description=f"{CONCEPTS[index]}{number + 1}",
                indent=False,
                layout=ipywidgets.Layout(width="max-content"),
            )
            box.observe(self._on_change, names="value")
            boxes.append(box)
            picture = ipywidgets.Image(value=grey_png(image, scale=self.scale), format="png")
            cells.append(ipywidgets.VBox([picture, box], layout=ipywidgets.Layout(align_items="center")))
        self.checkboxes[index] = boxes
        self.grids[index].children = cells

    def new_samples(self, concept) -> None:
        """Replace concept `concept`'s candidates (0-2 or "A"-"C") by fresh samples from N(0, I); clears its picks."""
        index = self._index(concept)
        self.pools[index] = sample_codings(len(self.pools[index]), self.latent_dim, seed=self._rng)
        self._fill_grid(index)
        self._render()

    # -- picks and computation ------------------------------------------------------------------------------------

    @staticmethod
    def _index(concept) -> int:
        if concept in CONCEPTS:
            return CONCEPTS.index(concept)
        if is_whole_number(concept) and 0 <= concept < 3:
            return int(concept)
        raise ValueError(f"concept must be 'A', 'B', 'C' or 0-2, got {concept!r}")

    def picked(self, concept) -> list[int]:
        """The indices of the picked samples of `concept`."""
        return [i for i, box in enumerate(self.checkboxes[self._index(concept)]) if box.value]

    def set_picked(self, concept, indices) -> None:
        """Pick exactly the samples `indices` of `concept` (and redraw once)."""
        index = self._index(concept)
        boxes = self.checkboxes[index]
        chosen = set(int(i) for i in indices)
        if any(i < 0 or i >= len(boxes) for i in chosen):
            raise IndexError(f"concept {CONCEPTS[index]} has samples 0..{len(boxes) - 1}, got {sorted(chosen)}")
        with self._holding():
            for i, box in enumerate(boxes):
                box.value = i in chosen
        self._on_change()

    def compute(self) -> dict | None:
        """The current means (3 images), the result's coding and image, the pixel-space contrast, the variations.

        All images are float32 in [0, 1]. None while a concept has no pick.
        """
        picks = [self.picked(index) for index in range(3)]
        if any(not chosen for chosen in picks):
            return None
        means = [concept_mean(pool, chosen) for pool, chosen in zip(self.pools, picks)]
        coding = arithmetic(*means)
        extra = (
            variations(coding, self.n_variations, seed=self._variation_seed)
            if self.n_variations
            else np.zeros((0, self.latent_dim), np.float32)
        )
        decoded = self.decode_unit(np.concatenate([np.stack(means), coding[None], extra]))
        # The pixel-space contrast: the mean of the picked images themselves, then A − B + C on pixels.
        pixel_means = [self.candidate_images[index][chosen].mean(axis=0) for index, chosen in enumerate(picks)]
        return {
            "picks": picks,
            "means": list(decoded[:3]),
            "coding": coding,
            "result": decoded[3],
            "pixel": pixel_arithmetic(*pixel_means),
            "variations": list(decoded[4:]),
        }

    # -- rendering ------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _holding(self):
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    def _on_change(self, _change=None) -> None:
        if not self._quiet:
            self._render()

    def _render(self) -> None:
        labels = [field.value or concept for field, concept in zip(self.name_fields, CONCEPTS)]
        names = [html.escape(label) for label in labels]  # for the HTML status line
        counts = [len(self.picked(index)) for index in range(3)]
        for caption, label, count in zip(self._captions, labels, counts):
            caption.value = f"{label} (mean of {count})"
        result = self.compute()
        if result is None:
            missing = [name for name, count in zip(names, counts) if not count]
            self.status.value = f"Pick at least one sample for: {', '.join(missing)}."
            blank = grey_png(np.zeros((28, 28), np.float32), scale=self.scale)
            for image in (*self.mean_images, self.result_image, self.pixel_image, *self.variation_images):
                image.value = blank
            return
        for image, mean in zip(self.mean_images, result["means"]):
            image.value = grey_png(mean, scale=self.scale)
        self.result_image.value = grey_png(result["result"], scale=self.scale)
        self.pixel_image.value = grey_png(result["pixel"], scale=self.scale)
        for image, variation in zip(self.variation_images, result["variations"]):
            image.value = grey_png(variation, scale=self.scale)
        self.status.value = (
            f"{names[0]} − {names[1]} + {names[2]}: averages of {counts[0]}, {counts[1]} and {counts[2]} codings."
        )
