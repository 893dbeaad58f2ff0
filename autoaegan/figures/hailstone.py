"""Figures of chapter 01: hailstone runs and what storing a run by its rule saves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import plotly.graph_objects as go

from autoaegan.data.hailstone import SLIDES_HAILSTONE_RUN, hailstone_until_one, require_positive_int
from autoaegan.experiments.representations import RepresentationCost
from autoaegan.figures.theme import OKABE_ITO

SLIDER_COLOUR = OKABE_ITO[0]  # blue
HIGHLIGHT_COLOUR = OKABE_ITO[3]  # vermillion


def _run_title(start: int, run: list[int]) -> str:
    return f"Hailstone run from {start}: {len(run) - 1} steps down to 1, highest number {max(run):,}"


def hailstone_runs_figure(
    starts: Iterable[int] = range(1, 101), *, selected: int = 27, highlight: int = 50, log_y: bool = False
) -> go.Figure:
    """Return a figure of hailstone runs with a slider over the start and a linear/log switch.

    The run from `highlight` (the slides' 50) stays drawn, with the slides' 18 numbers
    marked; the slider shows one run from `starts` at a time, `selected` first.
    """
    starts = [require_positive_int(start, "start") for start in starts]
    if not starts:
        raise ValueError("starts is empty: expected at least one start number")
    highlight = require_positive_int(highlight, "highlight")
    active = starts.index(selected) if selected in starts else 0
    highlight_run = hailstone_until_one(highlight)

    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            y=highlight_run,
            mode="lines",
            line={"color": HIGHLIGHT_COLOUR, "width": 3},
            name=f"from {highlight}, down to 1",
        )
    )
    if highlight == SLIDES_HAILSTONE_RUN[0]:
        figure.add_trace(
            go.Scatter(
                y=list(SLIDES_HAILSTONE_RUN),
                mode="markers",
                marker={"color": HIGHLIGHT_COLOUR, "size": 8},
                name=f"the slides' {len(SLIDES_HAILSTONE_RUN)} numbers",
            )
        )
    fixed = len(figure.data)

    runs = [hailstone_until_one(start) for start in starts]
    for index, (start, run) in enumerate(zip(starts, runs)):
        figure.add_trace(
            go.Scatter(
                y=run,
                mode="lines+markers",
                marker={"size": 4},
                line={"color": SLIDER_COLOUR},
                name=f"from {start}",
                visible=index == active,
            )
        )

    steps = [
        {
            "label": str(start),
            "method": "update",
            "args": [
                {"visible": [True] * fixed + [other == index for other in range(len(starts))]},
                {"title.text": _run_title(start, run)},
            ],
        }
        for index, (start, run) in enumerate(zip(starts, runs))
    ]
    figure.update_layout(
        title={"text": _run_title(starts[active], runs[active])},
        xaxis_title="step",
        yaxis={"title": "number", "type": "log" if log_y else "linear"},
        sliders=[{"active": active, "currentvalue": {"prefix": "start: "}, "pad": {"t": 50}, "steps": steps}],
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "active": 1 if log_y else 0,
                "buttons": [
                    {"label": "linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
                    {"label": "log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
                ],
            }
        ],
        margin={"t": 110},
        height=540,
    )
    return figure


def run_lengths_figure(starts: Iterable[int] = range(1, 1001), *, highlight: int = 50) -> go.Figure:
    """Return a scatter of the number of steps down to 1 against the start, the `highlight` start marked."""
    starts = [require_positive_int(start, "start") for start in starts]
    if not starts:
        raise ValueError("starts is empty: expected at least one start number")
    steps = [len(hailstone_until_one(start)) - 1 for start in starts]
    figure = go.Figure(
        go.Scatter(x=starts, y=steps, mode="markers", marker={"size": 4, "color": SLIDER_COLOUR}, name="start")
    )
    highlight = require_positive_int(highlight, "highlight")
    figure.add_trace(
        go.Scatter(
            x=[highlight],
            y=[len(hailstone_until_one(highlight)) - 1],
            mode="markers",
            marker={"size": 12, "color": HIGHLIGHT_COLOUR, "symbol": "star"},
            name=f"start {highlight}",
        )
    )
    figure.update_layout(
        title="How many steps each start takes to reach 1",
        xaxis_title="start",
        yaxis_title="steps down to 1",
    )
    return figure


def representation_bits_figure(rows: Sequence[RepresentationCost]) -> go.Figure:
    """Return grouped bars of the bits each sequence costs stored raw and stored by its rule."""
    if not rows:
        raise ValueError("rows is empty: expected the output of compare_representations")
    names = [row.name for row in rows]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=names, y=[row.raw_bits for row in rows], name="stored raw", marker_color=OKABE_ITO[1]))
    figure.add_trace(
        go.Bar(
            x=names,
            y=[row.encoded_bits for row in rows],
            name="stored by rule (rule, first, count)",
            marker_color=OKABE_ITO[2],
            text=[f"{row.encoded_bits} bits" if row.rule else "" for row in rows],
            textposition="outside",
        )
    )
    for row in rows:
        if row.rule is None:
            # An empty bar would say nothing: name why it is missing.
            figure.add_annotation(x=row.name, y=row.raw_bits, text="no known rule fits", showarrow=False, yshift=20)
    figure.update_layout(barmode="group", title="Bits to store each sequence", yaxis_title="bits")
    return figure
