"""Figures of chapter 01: what a memory of a few slots keeps, and recall against sequence length."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import cycle

import plotly.graph_objects as go

from autoaegan.experiments.chunk_memory import MEMORY_KINDS, SEQUENCE_KINDS, ChunkMemory, RecallCurves
from autoaegan.experiments.representations import as_positive_ints
from autoaegan.figures.theme import OKABE_ITO

SEQUENCE_COLOURS = {"structured": OKABE_ITO[0], "random": OKABE_ITO[1]}
MEMORY_DASHES = {"expert": "solid", "novice": "dot"}
FORGOTTEN_COLOUR = "#999999"


def recall_curves_figure(curves: RecallCurves) -> go.Figure:
    """Return recall against sequence length: one line per (memory, sequence kind), the memory size marked."""
    figure = go.Figure()
    for memory in MEMORY_KINDS:
        for kind in SEQUENCE_KINDS:
            figure.add_trace(
                go.Scatter(
                    x=curves.lengths,
                    y=curves.recall[memory, kind],
                    mode="lines+markers",
                    marker={"size": 4},
                    line={"color": SEQUENCE_COLOURS[kind], "dash": MEMORY_DASHES[memory]},
                    name=f"{memory}, {kind} sequences",
                    hovertemplate="length %{x}: %{y:.1%} recalled<extra>" + f"{memory}, {kind}</extra>",
                )
            )
    figure.add_vline(
        x=curves.slots,
        line={"dash": "dash", "color": FORGOTTEN_COLOUR},
        annotation_text=f"memory size: {curves.slots} slots",
        annotation_position="top right",
    )
    figure.update_layout(
        title=f"Recall of a {curves.slots}-slot memory (mean of {curves.trials} sequences per length)",
        xaxis_title="sequence length",
        yaxis={"title": "recall", "tickformat": ".0%", "range": [0, 1.05]},
    )
    return figure


def memory_contents_figure(memory: ChunkMemory, sequence: Iterable[int], *, title: str | None = None) -> go.Figure:
    """Return the numbers by position, coloured by the kind of slot that keeps them; forgotten ones grey.

    Numbers of one rule chunk are joined by a line; hovering shows the slot.
    """
    values = as_positive_ints(sequence, "sequence")
    chunks = memory.encode(values)
    kinds = [chunk.rule.name for chunk in chunks if chunk.rule is not None]
    groups = {kind: {"x": [], "y": [], "text": []} for kind in dict.fromkeys(kinds + ["raw number"])}
    position = 0
    for slot, chunk in enumerate(chunks, start=1):
        group = groups["raw number" if chunk.rule is None else chunk.rule.name]
        for number in chunk.numbers():
            group["x"].append(position)
            group["y"].append(number)
            group["text"].append(f"slot {slot}: {chunk}")
            position += 1
        # None breaks the line between two chunks of the same rule.
        group["x"].append(None)
        group["y"].append(None)
        group["text"].append(None)

    # Colours follow the memory's catalogue, so a rule keeps its colour from one sequence to the next.
    rule_colours = dict(zip((rule.name for rule in memory.rules), cycle(OKABE_ITO[2:7])))
    figure = go.Figure()
    for kind, group in groups.items():
        raw = kind == "raw number"
        figure.add_trace(
            go.Scatter(
                x=group["x"],
                y=group["y"],
                text=group["text"],
                mode="markers" if raw else "lines+markers",
                marker={"size": 8, "color": OKABE_ITO[1] if raw else rule_colours[kind]},
                name=kind,
                hovertemplate="position %{x}: %{y}<br>%{text}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=list(range(position, len(values))),
            y=values[position:],
            mode="markers",
            marker={"size": 8, "color": FORGOTTEN_COLOUR, "symbol": "x"},
            name="forgotten",
            hovertemplate="position %{x}: %{y}<br>no slot left<extra></extra>",
        )
    )
    kept = sum(chunk.count for chunk in chunks)
    figure.update_layout(
        title=title or f"{len(chunks)} of {memory.slots} slots used: {kept} of {len(values)} numbers kept",
        xaxis_title="position in the sequence",
        yaxis={"title": "number", "type": "log"},
    )
    return figure
