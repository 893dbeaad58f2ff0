"""`python -m autoaegan.course DIR`: copy the learner's tree into DIR and open JupyterLab (autoaegan.course.start)."""

import sys

from autoaegan.course.start import main

sys.exit(main())
