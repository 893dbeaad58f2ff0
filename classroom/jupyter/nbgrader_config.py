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
