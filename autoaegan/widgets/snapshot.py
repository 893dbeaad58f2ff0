"""A still picture of a widget's first state, for pages without a kernel (the course website, nbconvert).

Live widgets need a kernel. A static renderer (MyST-NB, nbconvert's HTML, GitHub) that meets a
widget view without its state shows nothing, so every explorer of the package displays, beside
its widget view, an `image/png` drawn from its controls and images as they stand, and a
`text/plain` that says in words what the picture holds (the picture's alt text).
`JupyterLab` still shows the live widget: it prefers the widget view.

The picture follows the widget tree: an `ipywidgets.Image` shows its PNG, labels and HTML their
text, a slider its description, a track and its value, a button its label; an HBox lays its
children side by side, a VBox one under the other, a GridBox in its columns. A plotly
FigureWidget, which needs a browser to draw, is a framed box with its title.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
import sys

import ipywidgets
from PIL import Image, ImageDraw, ImageFont

GAP = 6  # pixels between a box's children
FONT_SIZE = 13
INK, PAPER, TRACK, FRAME = (33, 33, 33), (255, 255, 255), (190, 190, 190), (120, 120, 120)
SLIDER_TRACK_WIDTH = 140
# A plotly FigureWidget, which only a browser draws, gets a box of its layout's size, or this one.
FIGURE_SIZE = (420, 300)
NOTE = "A picture of the widget's first state; run the notebook to use it."
# A plotly figure's JSON standing in for a widget on a static page (the course website draws it; JupyterLab,
# which has no renderer for the type, shows the live widget).
STATIC_FIGURE_MIME = "application/vnd.autoaegan.static-figure+json"


# Pillow's own font lacks these; DejaVu Sans (most Linux systems) has them.
PLAIN_LETTERS = str.maketrans(
    {
        "×": "x",
        "–": "-",
        "—": "-",
        "→": "->",
        "←": "<-",
        "↓": "v",
        "↑": "^",
        "μ": "mu",
        "σ": "sigma",
        "ψ": "psi",
        "·": ".",
        "“": '"',
        "”": '"',
        "’": "'",
        "≥": ">=",
        "≤": "<=",
    }
)


@functools.lru_cache(maxsize=1)
def _font_and_letters() -> tuple[ImageFont.ImageFont, bool]:
    """The pictures' font, and whether it has every letter (DejaVu Sans does; Pillow's own lacks PLAIN_LETTERS')."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", FONT_SIZE), True  # Pillow looks in the system's font folders
    except OSError:
        return ImageFont.load_default(size=FONT_SIZE), False


def _font() -> ImageFont.ImageFont:
    return _font_and_letters()[0]


def _drawable(text: str) -> str:
    """`text` in letters the picture's font has."""
    return text if _font_and_letters()[1] else text.translate(PLAIN_LETTERS)


def _text_of_html(markup: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", str(markup))
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _text_picture(text: str) -> Image.Image | None:
    if not text:
        return None
    font = _font()
    lines = _drawable(text).splitlines()
    width = max(int(font.getlength(line)) for line in lines) + 4
    height = len(lines) * (FONT_SIZE + 4) + 2
    picture = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(lines):
        draw.text((2, 1 + row * (FONT_SIZE + 4)), line, fill=INK, font=font)
    return picture


def _slider_picture(slider) -> Image.Image:
    font = _font()
    label = _drawable(f"{slider.description} " if slider.description else "")
    value = _drawable(_formatted_value(slider))
    label_width, value_width = int(font.getlength(label)), int(font.getlength(value))
    width, height = label_width + SLIDER_TRACK_WIDTH + value_width + 16, FONT_SIZE + 10
    picture = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(picture)
    middle = height // 2
    draw.text((0, middle - FONT_SIZE // 2 - 1), label, fill=INK, font=font)
    left = label_width + 4
    draw.line((left, middle, left + SLIDER_TRACK_WIDTH, middle), fill=TRACK, width=3)
    span = (slider.max - slider.min) or 1
    knob = left + int(round((slider.value - slider.min) / span * SLIDER_TRACK_WIDTH))
    draw.ellipse((knob - 5, middle - 5, knob + 5, middle + 5), fill=INK)
    draw.text((left + SLIDER_TRACK_WIDTH + 10, middle - FONT_SIZE // 2 - 1), value, fill=INK, font=font)
    return picture


def _formatted_value(widget) -> str:
    fmt = getattr(widget, "readout_format", None)
    if isinstance(widget, (ipywidgets.FloatSlider, ipywidgets.IntSlider)) and fmt:
        try:
            return format(widget.value, fmt)
        except (TypeError, ValueError):  # an ipywidgets format that Python's format() does not read
            pass
    if isinstance(widget, ipywidgets.Dropdown):
        return str(widget.label)
    return str(widget.value)


def _framed_text(text: str, size: tuple[int, int] | None = None) -> Image.Image:
    inner = _text_picture(text) or Image.new("RGB", (1, 1), PAPER)
    width, height = size or (inner.width + 16, inner.height + 10)
    picture = Image.new("RGB", (max(width, inner.width + 8), max(height, inner.height + 8)), PAPER)
    ImageDraw.Draw(picture).rectangle((0, 0, picture.width - 1, picture.height - 1), outline=FRAME)
    picture.paste(inner, ((picture.width - inner.width) // 2, (picture.height - inner.height) // 2))
    return picture


def _is_figure_widget(widget) -> bool:
    # Importing plotly's widget module costs a second or two; until something has, no FigureWidget exists.
    module = sys.modules.get("plotly.basewidget")
    return module is not None and isinstance(widget, module.BaseFigureWidget)


def _figure_title(figure) -> str:
    title = figure.layout.title.text if figure.layout.title is not None else None
    return _text_of_html(title) if title else "an interactive figure"


def _row(pictures: list[Image.Image]) -> Image.Image:
    width = sum(picture.width for picture in pictures) + GAP * (len(pictures) - 1)
    row = Image.new("RGB", (width, max(picture.height for picture in pictures)), PAPER)
    left = 0
    for picture in pictures:
        row.paste(picture, (left, 0))
        left += picture.width + GAP
    return row


def _column(pictures: list[Image.Image]) -> Image.Image:
    height = sum(picture.height for picture in pictures) + GAP * (len(pictures) - 1)
    column = Image.new("RGB", (max(picture.width for picture in pictures), height), PAPER)
    top = 0
    for picture in pictures:
        column.paste(picture, (0, top))
        top += picture.height + GAP
    return column


def _grid_columns(box) -> int:
    template = str(box.layout.grid_template_columns or "")
    found = re.match(r"\s*repeat\(\s*(\d+)", template)
    return int(found.group(1)) if found else max(1, len(template.split()))


def _grid(box, children: list) -> Image.Image | None:
    columns = _grid_columns(box)
    pictures = [widget_picture(child) for child in children]
    blank = Image.new("RGB", (1, 1), PAPER)
    rows = [
        [picture or blank for picture in pictures[start : start + columns]]
        for start in range(0, len(pictures), columns)
    ]
    widths = [max(row[index].width for row in rows if index < len(row)) for index in range(columns)]
    lines = []
    for row in rows:
        height = max(picture.height for picture in row)
        line = Image.new("RGB", (sum(widths) + GAP * (columns - 1), height), PAPER)
        for index, picture in enumerate(row):
            line.paste(
                picture,
                (
                    sum(widths[:index]) + GAP * index + (widths[index] - picture.width) // 2,
                    (height - picture.height) // 2,
                ),
            )
        lines.append(line)
    return _column(lines) if lines else None


def widget_picture(widget) -> Image.Image | None:
    """Draw a widget (and its children) as an RGB picture of its present state; None when it shows nothing."""
    if isinstance(widget, ipywidgets.Image):
        if not widget.value:
            return None
        return Image.open(io.BytesIO(bytes(widget.value))).convert("RGB")
    if _is_figure_widget(widget):
        layout = widget.layout
        size = (int(layout.width or FIGURE_SIZE[0]), int(layout.height or FIGURE_SIZE[1]))
        return _framed_text(f"{_figure_title(widget)}\n(an interactive plotly figure: run the notebook)", size)
    if isinstance(widget, ipywidgets.Box):
        children = [child for child in widget.children if getattr(child.layout, "display", None) != "none"]
        if isinstance(widget, ipywidgets.GridBox):
            return _grid(widget, children)
        pictures = [picture for picture in map(widget_picture, children) if picture is not None]
        if not pictures:
            return None
        return _row(pictures) if isinstance(widget, ipywidgets.HBox) else _column(pictures)
    if isinstance(widget, (ipywidgets.FloatSlider, ipywidgets.IntSlider)):
        return _slider_picture(widget)
    if isinstance(widget, ipywidgets.Button):
        return _framed_text(widget.description)
    if isinstance(widget, (ipywidgets.Label, ipywidgets.HTML)):
        return _text_picture(_text_of_html(widget.value))
    if isinstance(widget, ipywidgets.ValueWidget) and isinstance(widget, ipywidgets.DOMWidget):
        return _text_picture(f"{getattr(widget, 'description', '')} {_formatted_value(widget)}".strip())
    return None


def _describe(widget, parts: list[str]) -> None:
    if isinstance(widget, ipywidgets.Image):
        if widget.value:
            parts.append("[image]")
    elif _is_figure_widget(widget):
        parts.append(f"[figure: {_figure_title(widget)}]")
    elif isinstance(widget, ipywidgets.Box):
        for child in widget.children:
            _describe(child, parts)
    elif isinstance(widget, ipywidgets.Button):
        parts.append(f"button “{widget.description}”")
    elif isinstance(widget, (ipywidgets.Label, ipywidgets.HTML)):
        text = " ".join(_text_of_html(widget.value).split())
        if text:
            parts.append(text)
    elif isinstance(widget, ipywidgets.ValueWidget) and isinstance(widget, ipywidgets.DOMWidget):
        parts.append(f"{getattr(widget, 'description', '') or 'control'} {_formatted_value(widget)}".strip())


def widget_description(widget, name: str | None = None) -> str:
    """The alt text of a widget's picture: what it is, and its texts, controls and images in reading order."""
    parts: list[str] = []
    _describe(widget, parts)
    images = parts.count("[image]")
    words = [part for part in parts if part != "[image]"]
    name = name or type(widget).__name__
    summary = f"{name}, {images} image{'s' if images != 1 else ''}" + (f": {'; '.join(words)}" if words else "")
    return f"{summary}. {NOTE}"


def snapshot_png(widget) -> bytes | None:
    """The widget's picture as PNG bytes, or None when it shows nothing yet."""
    picture = widget_picture(widget)
    if picture is None:
        return None
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def with_snapshot(bundle: dict, widget, name: str | None = None, figure=None) -> dict:
    """A widget's mime bundle with its picture (`image/png`) and the picture's alt text (`text/plain`) added.

    With `figure` (a plotly figure that shows what the widget shows, without its kernel-side reactions), its
    JSON goes in as `STATIC_FIGURE_MIME`, which JupyterLab has no renderer for and the course website draws.
    """
    bundle = dict(bundle)
    png = snapshot_png(widget)
    if png is not None:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    bundle["text/plain"] = widget_description(widget, name)
    if figure is not None:
        bundle[STATIC_FIGURE_MIME] = json.loads(figure.to_json())
    return bundle


class StaticSnapshot:
    """Mixin for an ipywidgets container: its display carries a picture of its state and that picture's alt text.

    Put it before the ipywidgets class (`class Explorer(StaticSnapshot, ipywidgets.VBox)`); set
    `snapshot_name` to what a reader should call the widget.
    """

    snapshot_name: str | None = None

    def static_figure(self):
        """A plotly figure that shows the widget better than its picture, on a page without a kernel; None here."""
        return None

    def _repr_mimebundle_(self, **kwargs):
        return with_snapshot(super()._repr_mimebundle_(**kwargs), self, self.snapshot_name, self.static_figure())
