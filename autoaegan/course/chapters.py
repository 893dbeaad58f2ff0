"""The catalogue of the course's chapters: the one list that the README, chapter 00 and the tests read.

Each `Chapter` names its notebook in `course/`. A chapter that is not written yet
stays in the catalogue with `available=False`, so the course's outline is visible
from the start and shows "(coming)" instead of a broken link.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, title, notebook file name (in `course/`), one-line summary, availability and
    exercise."""

    number: int | None
    title: str
    notebook: str
    summary: str
    available: bool
    # The nbgrader assignment (a folder of exercises/) that practises this chapter; None for no graded exercise.
    exercise: str | None = None

    @property
    def label(self) -> str:
        """The chapter's number and title as the notebook's heading writes them, e.g.
        `01 · Efficient data representations`.

        An appendix has no number: `Appendix · Training fast on a CPU`.
        """
        return f"Appendix · {self.title}" if self.number is None else f"{self.number:02d} · {self.title}"

    @property
    def heading(self) -> str:
        """The first line of the chapter's notebook: `# NN · Title`."""
        return f"# {self.label}"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        0,
        "Start here",
        "00_start_here.ipynb",
        "what the course covers, checking your environment, run profiles, data and exercises",
        available=True,
    ),
    Chapter(
        1,
        "Efficient data representations",
        "01_efficient_representations.ipynb",
        "why constraints make a network find patterns (hailstone sequences, chess players, codings)",
        available=True,
        exercise="01_02_representations",
    ),
    Chapter(
        2,
        "PCA with an undercomplete linear autoencoder",
        "02_pca_linear_autoencoder.ipynb",
        "a linear autoencoder with a 2-D coding finds the same plane as PCA on 3-D data",
        available=True,
        exercise="01_02_representations",
    ),
    Chapter(
        3,
        "Stacked autoencoders",
        "03_stacked_autoencoders.ipynb",
        "deep autoencoders on Fashion-MNIST, tied weights, layer-wise training and pretraining",
        available=True,
        exercise="03_05_autoencoders",
    ),
    Chapter(
        4,
        "Convolutional and recurrent autoencoders",
        "04_convolutional_recurrent.ipynb",
        "autoencoders built from convolutions for images and from LSTMs for sequences",
        available=True,
        exercise="03_05_autoencoders",
    ),
    Chapter(
        5,
        "Denoising and sparse autoencoders",
        "05_denoising_sparse.ipynb",
        "beyond undercomplete, useful features learnt by removing noise or by sparsity",
        available=True,
        exercise="03_05_autoencoders",
    ),
    Chapter(
        6,
        "Variational autoencoders",
        "06_variational_autoencoders.ipynb",
        "a probabilistic autoencoder that generates new images, with the latent explorer",
        available=True,
        exercise="06_variational",
    ),
    Chapter(
        7,
        "Generative adversarial networks",
        "07_gans.ipynb",
        "a generator and a discriminator trained against each other on Fashion-MNIST",
        available=True,
        exercise="07_09_gans",
    ),
    Chapter(
        8,
        "The difficulties of training GANs",
        "08_gan_difficulties.ipynb",
        "mode collapse, oscillations and the tricks that help",
        available=True,
        exercise="07_09_gans",
    ),
    Chapter(
        9,
        "Deep convolutional GANs (DCGAN)",
        "09_dcgan.ipynb",
        "the architecture guidelines that made convolutional GANs train stably",
        available=True,
        exercise="07_09_gans",
    ),
    Chapter(
        10,
        "Progressive growing of GANs (ProGAN)",
        "10_progan.ipynb",
        "growing the generator and discriminator from small images to large ones",
        available=True,
        exercise="10_11_progan_stylegan",
    ),
    Chapter(
        11,
        "StyleGAN",
        "11_stylegan.ipynb",
        "a mapping network, styles at every scale, noise and style mixing",
        available=True,
        exercise="10_11_progan_stylegan",
    ),
    Chapter(
        12,
        "Diffusion models",
        "12_diffusion_models.ipynb",
        "a U-Net learns to remove noise; DDPM and fast DDIM sampling turn noise into garments",
        available=True,
        exercise="12_diffusion",
    ),
)


APPENDICES: tuple[Chapter, ...] = (
    Chapter(
        None,
        "Training fast on a CPU",
        "appendix_training_fast.ipynb",
        "XLA and steps per call, FLOP counts and the compute limit, time to quality, weight averaging, memory budgets",
        available=True,
    ),
)

# The kernel's own language_info: JupyterLab writes it into a notebook when the kernel starts, and marks a
# notebook that held anything else as modified. Notebooks are committed with the course's Python's.
COURSE_PYTHON = "3.11.7"


def notebook_metadata(python_version: str = COURSE_PYTHON) -> dict:
    """The metadata every course notebook carries, so that JupyterLab opens it unmodified under `python_version`."""
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": python_version,
        },
    }


def get_chapter(number: int) -> Chapter:
    """Return the chapter with this number (0 to 12)."""
    for chapter in CHAPTERS:
        if chapter.number == number:
            return chapter
    raise ValueError(f"no chapter numbered {number!r}: the course has chapters 0 to {CHAPTERS[-1].number}")


def available_chapters() -> tuple[Chapter, ...]:
    """The chapters whose notebooks exist, in course order."""
    return tuple(chapter for chapter in CHAPTERS if chapter.available)


def render_chapter_list(link_prefix: str = "", chapters: tuple[Chapter, ...] | None = None) -> str:
    """The catalogue (or `chapters`) as a Markdown list, one line per chapter.

    Available chapters link to their notebook, prefixed with `link_prefix`
    (`""` from inside `course/`, `"course/"` from the README); the others are
    marked "(coming)". The appendices follow the chapters.
    """
    lines = []
    for chapter in CHAPTERS + APPENDICES if chapters is None else chapters:
        if chapter.available:
            lines.append(f"- [{chapter.label}]({link_prefix}{chapter.notebook}): {chapter.summary}")
        else:
            lines.append(f"- {chapter.label} (coming): {chapter.summary}")
    return "\n".join(lines)
