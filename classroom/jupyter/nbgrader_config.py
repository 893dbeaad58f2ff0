"""nbgrader's settings on every server of the classroom hub, students' and instructors' alike.

The hub points JUPYTER_CONFIG_PATH at this folder (classroom/jupyterhub_config.py);
on a hub installed another way, copy this file to /etc/jupyter/. Instructor and
students must agree on the course id and the exchange folder, which is shared by all
the servers and world-writable (see classroom/deliver.py's ensure_exchange).
"""

import os

c = get_config()  # noqa: F821 (Jupyter provides get_config when it loads this file)

c.CourseDirectory.course_id = "autoaegan"
c.Exchange.root = os.environ.get("AUTOAEGAN_EXCHANGE", "/srv/nbgrader/exchange")

# Validate runs the visible tests in the student's own kernel. A training part's test cell trains the student's
# model first (autoaegan/grading/training.py): it gets 660 s, every other cell 120 s (nbgrader's default is 30 s).
try:
    from autoaegan.grading.checker import cell_timeout
except ImportError:  # a server without the course's package: nbgrader's defaults
    pass
else:
    c.ExecutePreprocessor.timeout = 120
    c.ExecutePreprocessor.timeout_func = cell_timeout(120)
