"""autoaegan: the helper package of a Jupyter course on autoencoders and GANs.

Notebooks import from its modules and stay short. Importing the package itself
is cheap: TensorFlow is only imported by the modules that need it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("autoaegan")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
