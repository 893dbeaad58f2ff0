"""Sphinx configuration of the course website (make site); the pages are built from build/site-source/.

`classroom/site/build.py` stages the student's tree there (chapters with their outputs, apps, exercises,
README; never solutions/) and turns the outputs into what a page without a kernel can show. Sphinx then
only renders: MyST-NB never executes a notebook here.
"""

import tomllib
from pathlib import Path

SITE = tomllib.loads((Path(__file__).resolve().parent / "site.toml").read_text())["site"]

project = "autoaegan"
author = "The autoaegan developers"
copyright = "the autoaegan developers, MIT licence"
html_title = "autoaegan: autoencoders and GANs"
html_baseurl = SITE["url"].rstrip("/") + "/"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]

# The staged notebooks already hold their outputs (executed by build.py or by the test run).
nb_execution_mode = "off"
nb_output_stderr = "remove"  # progress bars and warnings are for a live run
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    # No right-hand contents column: the chapters' figures are up to 900 px wide and need the room.
    "secondary_sidebar_items": [],
}
html_static_path = ["_static"]
# plotly.js from the plotly package, carried by the site: figures draw offline, with no CDN.
html_js_files = ["plotly.min.js"]
# MathJax 2.7 from the jupyter-server-mathjax package, carried by the site like plotly.js: the maths renders offline.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# MyST marks the pages' sections for MathJax to skip and their maths to process, in MathJax 3's terms; here the same
# rule in MathJax 2's, in place of MyST's MathJax 3 settings.
myst_update_mathjax = False
# The package carries the STIX web fonts only (as Jupyter's own MathJax setup uses them).
mathjax2_config = {
    "tex2jax": {
        "processClass": "tex2jax_process|mathjax_process|math|output_area",
        "ignoreClass": "tex2jax_ignore|mathjax_ignore",
    },
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None},
}
html_css_files = ["autoaegan.css"]
html_last_updated_fmt = ""


def _copy_scripts(app, exception):
    """Put the scripts the pages load into the site's _static folder: the installed plotly's plotly.min.js (the
    version the figures were made by) and MathJax (jupyter-server-mathjax's copy)."""
    if exception is None and app.builder.format == "html":
        import shutil

        import jupyter_server_mathjax
        import plotly

        static = Path(app.outdir) / "_static"
        shutil.copyfile(
            Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js", static / "plotly.min.js"
        )
        shutil.copytree(
            Path(jupyter_server_mathjax.__file__).resolve().parent / "static", static / "mathjax", dirs_exist_ok=True
        )


def setup(app):
    app.connect("build-finished", _copy_scripts)
