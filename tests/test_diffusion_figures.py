"""Chapter 12's figures draw the numbers they are given, and refuse malformed input with a clear message."""

import numpy as np
import pytest

from autoaegan.figures.diffusion import cost_quality_figure, noising_strip, sampling_figure, schedule_figure
from autoaegan.models.diffusion import variance_schedule

SAMPLERS = [
    {"sampler": "ddim", "steps": 50, "eta": 0.0, "seconds_64": 4.0, "fd": 30.0},
    {"sampler": "ddim", "steps": 10, "eta": 0.0, "seconds_64": 1.0, "fd": 60.0},
    {"sampler": "ddpm", "steps": 1000, "eta": 1.0, "seconds_64": 80.0, "fd": 25.0},
]
MODELS = [
    {"label": "VAE", "fd": 90.0, "train_seconds": 600.0, "sample_seconds_2000": 0.5},
    {"label": "diffusion", "fd": 30.0, "train_seconds": 36_000.0, "sample_seconds_2000": 120.0},
    {"label": "not measured", "fd": None, "train_seconds": 10.0, "sample_seconds_2000": 1.0},
]


def test_schedule_figure_draws_each_table_against_t_and_marks_the_steps():
    tables = {kind: variance_schedule(kind).alpha_bars for kind in ("linear", "cosine")}
    figure = schedule_figure(tables, marked_steps=[0, 250, 1000])
    assert [trace.name for trace in figure.data] == ["linear", "cosine"]
    for trace, table in zip(figure.data, tables.values()):
        np.testing.assert_array_equal(trace.x, np.arange(1001))
        np.testing.assert_allclose(trace.y, table)
    assert [shape.x0 for shape in figure.layout.shapes] == [0, 250, 1000]


def test_schedule_figure_names_what_it_expected():
    with pytest.raises(ValueError, match="alpha_bars must be a non-empty dict of name → values, got list"):
        schedule_figure([np.linspace(1, 0, 5)])
    with pytest.raises(ValueError, match=r"alpha_bars\['up'\] must be a 1-D table of at least 2 values in \[0, 1\]"):
        schedule_figure({"up": np.linspace(0, 2, 5)})
    with pytest.raises(ValueError, match=r"the same number of steps T \+ 1, got lengths \[5, 6\]"):
        schedule_figure({"a": np.linspace(1, 0, 5), "b": np.linspace(1, 0, 6)})
    with pytest.raises(ValueError, match=r"marked_steps must lie in \[0, T = 4\], got \[5\]"):
        schedule_figure({"a": np.linspace(1, 0, 5)}, marked_steps=[5])


def test_noising_strip_shows_one_row_per_label_one_column_per_step_in_0_1():
    rng = np.random.default_rng(0)
    rows = {"linear": rng.normal(size=(3, 28, 28)), "cosine": rng.normal(size=(3, 28, 28, 1))}
    figure = noising_strip(rows, [0, 500, 1000])
    assert len(figure.data) == 6
    # Heatmaps are drawn upside down (row 0 at the bottom); [-1, 1] is shown as [0, 1], clipped.
    np.testing.assert_allclose(
        np.array(figure.data[4].z)[::-1], np.clip((rows["cosine"][1, ..., 0] + 1) / 2, 0, 1), atol=1e-6
    )
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert texts[:3] == ["t = 0", "t = 500", "t = 1000"] and "linear" in texts and "cosine" in texts


def test_noising_strip_names_what_it_expected():
    with pytest.raises(ValueError, match=r"rows\['a'\] must hold one image per step \(2 images"):
        noising_strip({"a": np.zeros((3, 28, 28))}, [0, 1])
    with pytest.raises(ValueError, match="steps must name at least one step"):
        noising_strip({"a": np.zeros((0, 28, 28))}, [])
    with pytest.raises(ValueError, match=r"rows\['a'\] must be finite numbers, got 784 NaN or inf"):
        noising_strip({"a": np.full((1, 28, 28), np.nan)}, [3])


def test_sampling_figure_joins_each_samplers_rows_in_order_of_steps_and_draws_the_floor():
    figure = sampling_figure(SAMPLERS, floor_fd=0.25)
    names = [(trace.name, trace.xaxis) for trace in figure.data]
    assert names == [("DDIM", "x"), ("DDIM", "x2"), ("DDPM", "x"), ("DDPM", "x2")]
    assert list(figure.data[0].x) == [10, 50] and list(figure.data[0].y) == [1.0, 4.0]
    assert list(figure.data[1].y) == [60.0, 30.0]
    assert list(figure.data[3].x) == [1000] and list(figure.data[3].y) == [25.0]
    assert [shape.y0 for shape in figure.layout.shapes] == [0.25]


def test_sampling_figure_names_the_missing_key():
    with pytest.raises(ValueError, match=r"samplers\[1\] must have the keys .*; it lacks \['seconds_64'\]"):
        sampling_figure([SAMPLERS[0], {"sampler": "ddim", "steps": 5, "fd": 90.0}])
    with pytest.raises(ValueError, match="samplers must be a non-empty list of dicts"):
        sampling_figure({"sampler": "ddim"})


def test_cost_quality_figure_places_each_measured_model_at_its_minutes_and_seconds():
    figure = cost_quality_figure(MODELS, floor_fd=0.25)
    assert [trace.name for trace in figure.data] == ["VAE", "VAE", "diffusion", "diffusion"]
    assert list(figure.data[2].x) == [600.0] and list(figure.data[2].y) == [30.0]  # 36,000 s = 600 min
    assert list(figure.data[3].x) == [120.0]
    assert [shape.y0 for shape in figure.layout.shapes] == [0.25, 0.25]
    with pytest.raises(ValueError, match="at least one model with a measured fd"):
        cost_quality_figure(MODELS[2:])
    with pytest.raises(ValueError, match=r"models\[0\] must have the keys .*; it lacks \['train_seconds'"):
        cost_quality_figure([{"label": "x", "fd": 1.0}])
