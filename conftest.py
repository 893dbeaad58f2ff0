"""Root pytest setup, shared by the package tests and by nbval's notebook kernels.

nbval starts each notebook's kernel from this process, so the environment set
here is what the notebooks see: the quick `test` profile and no downloads.
"""

import os

os.environ.setdefault("AUTOAEGAN_PROFILE", "test")
os.environ["AUTOAEGAN_NO_DOWNLOAD"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
