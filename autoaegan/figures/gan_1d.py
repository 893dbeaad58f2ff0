"""Figures of the 1-D GAN (`autoaegan.models.gan_1d`): the game played back, and its road to equilibrium."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.figures.theme import OKABE_ITO

REAL_COLOUR, FAKE_COLOUR, JUDGE_COLOUR = OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[3]


def discriminator_gap(trace) -> np.ndarray:
    """Per snapshot, the mean of |D(x) − ½| over the real data (weighted by their density): 0 at the equilibrium."""
    weights = trace.real_density / trace.real_density.sum()
    return np.abs(trace.discriminator - 0.5) @ weights


def _caption(trace, index: int) -> str:
    step = int(trace.steps[index])
    losses = (
        ""
        if np.isnan(trace.d_loss[index])
        else (f" · d_loss {trace.d_loss[index]:.3f}, g_loss {trace.g_loss[index]:.3f} (ln 2 = 0.693)")
    )
    return (
        f"Step {step:,}: mean |D(x) − ½| over the data {discriminator_gap(trace)[index]:.3f}, "
        f"distance to the real density {trace.total_variation()[index]:.2f}{losses}"
    )


def game_playback_figure(trace, *, title: str = "A 1-D GAN: real density, generated samples and D(x)") -> go.Figure:
    """The real density, the generator's histogram and D(x) at each snapshot of `trace`, with a slider and play button.

    `trace` is a `Trace1D` from `train_1d_gan`. D(x) is read on the right axis; the
    dotted line marks ½, where the equilibrium would put D everywhere.
    """
    centres = (trace.bin_edges[:-1] + trace.bin_edges[1:]) / 2
    widths = np.diff(trace.bin_edges)
    top = 1.15 * max(float(trace.real_density.max()), float(np.percentile(trace.generated_density.max(axis=1), 90)))

    def moving(index):
        return [
            go.Bar(
                x=centres,
                y=trace.generated_density[index],
                width=widths,
                name="generated (histogram)",
                marker={"color": FAKE_COLOUR, "opacity": 0.55},
                hovertemplate="x %{x:.2f}: %{y:.2f}<extra></extra>",
            ),
            go.Scatter(
                x=trace.grid,
                y=trace.discriminator[index],
                name="D(x), right axis",
                yaxis="y2",
                line={"color": JUDGE_COLOUR, "width": 3},
                hovertemplate="D(%{x:.2f}) = %{y:.3f}<extra></extra>",
            ),
        ]

    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Scatter(
            x=trace.grid,
            y=trace.real_density,
            name="real density",
            line={"color": REAL_COLOUR, "width": 3},
            fill="tozeroy",
            fillcolor="rgba(0, 114, 178, 0.12)",
            hoverinfo="skip",
        ),
        secondary_y=False,
    )
    last = len(trace.steps) - 1
    bar, judge = moving(last)
    figure.add_trace(bar, secondary_y=False)
    figure.add_trace(judge, secondary_y=True)
    figure.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0.5, 0.5],
            mode="lines",
            name="D = ½",
            yaxis="y2",
            hoverinfo="skip",
            line={"color": "#777777", "dash": "dot"},
        ),
        secondary_y=True,
    )
    figure.frames = [
        go.Frame(
            data=moving(i),
            traces=[1, 2],
            name=str(int(step)),
            layout={"title": {"text": f"{title}<br><sup>{_caption(trace, i)}</sup>"}},
        )
        for i, step in enumerate(trace.steps)
    ]
    slider_steps = [
        {
            "label": f"{int(step):,}",
            "method": "animate",
            "args": [
                [str(int(step))],
                {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}},
            ],
        }
        for step in trace.steps
    ]
    figure.update_layout(
        title={"text": f"{title}<br><sup>{_caption(trace, last)}</sup>"},
        xaxis={"title": "x", "range": [0, 1]},
        yaxis={"title": "density", "range": [0, top]},
        yaxis2={"title": "D(x): P(real)", "range": [0, 1], "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": False},
        barmode="overlay",
        height=520,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 110, "b": 110},
        sliders=[
            {
                "active": last,
                "currentvalue": {"prefix": "training step "},
                "steps": slider_steps,
                "pad": {"t": 40},
                "x": 0.12,
                "len": 0.88,
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0,
                "y": -0.14,
                "xanchor": "left",
                "yanchor": "top",
                "direction": "left",
                "buttons": [
                    {
                        "label": "▶",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": 300, "redraw": True},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {
                        "label": "❚❚",
                        "method": "animate",
                        "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}],
                    },
                ],
            }
        ],
    )
    return figure


def equilibrium_figure(trace, *, title: str = "Towards the equilibrium?") -> go.Figure:
    """Over training: the losses against ln 2, and how far D is from ½ and the samples from the data."""
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=("losses (ln 2 at the equilibrium)", "distances to the equilibrium")
    )
    steps = trace.steps[1:]
    for name, values, colour in (
        ("d_loss", trace.d_loss[1:], OKABE_ITO[0]),
        ("g_loss", trace.g_loss[1:], OKABE_ITO[1]),
    ):
        figure.add_trace(go.Scatter(x=steps, y=values, name=name, line={"color": colour}), row=1, col=1)
    figure.add_hline(y=float(np.log(2)), line={"dash": "dot", "color": "#777777"}, row=1, col=1)
    figure.add_trace(
        go.Scatter(
            x=trace.steps,
            y=discriminator_gap(trace),
            name="mean |D(x) − ½| over the data",
            line={"color": JUDGE_COLOUR},
        ),
        row=1,
        col=2,
    )
    figure.add_trace(
        go.Scatter(
            x=trace.steps,
            y=trace.total_variation(),
            name="histogram vs real density (TV)",
            line={"color": OKABE_ITO[2]},
        ),
        row=1,
        col=2,
    )
    figure.update_xaxes(title_text="training step")
    figure.update_layout(title=title, height=380, legend={"orientation": "h", "y": -0.3})
    return figure
