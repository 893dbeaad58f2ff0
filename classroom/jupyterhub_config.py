"""JupyterHub for the autoaegan classroom: JupyterLab per student, 2 CPUs and 2 GiB each, nbgrader's exchange.

Start it as root from a hub tree, the folder every user reads that holds the course's
allow-list and this configuration, never `solutions/` (classroom/README.md's worked example):

    python classroom/deliver.py hub-tree /opt/autoaegan     # from the instructor's checkout
    jupyterhub -f /opt/autoaegan/classroom/jupyterhub_config.py

The hub's Python (a virtual environment with autoaegan installed without `-e`) is the
students' Python: their servers run the `jupyterhub-singleuser` beside it.

What a deployment sets through the environment (all optional):

- AUTOAEGAN_COURSE_SOURCE: the folder students' copies come from (default: the folder above this one);
- AUTOAEGAN_EXCHANGE: nbgrader's exchange folder, shared by every server (default /srv/nbgrader/exchange);
- AUTOAEGAN_INSTRUCTORS: comma-separated user names that get the instructor's nbgrader settings; the
  first that exists owns the course's folders in the exchange;
- AUTOAEGAN_HUB_ADMIN_TOKEN: a token for the `classroom-admin` service (creating users, starting servers);
- AUTOAEGAN_SINGLEUSER: the `jupyterhub-singleuser` to run (default: the one beside this hub's Python).

Before a system user's server starts, the hub refuses when students could read the
instructor's files (a course source whose solutions/ others can read, an editable install),
closes the user's home to others (0700) and delivers the course (classroom/deliver.py).

The authenticator (PAM, the system's users) and the spawner (systemdspawner, which
enforces the memory and CPU limits) are the ones classroom/README.md explains; the
local tests (tests/test_classroom_hub.py and tests/test_classroom_users.py, through
classroom/localhub.py) load this file and swap only those two, plus the addresses and
state files of a throwaway hub.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from deliver import COURSE_ID, ensure_exchange, exchange_owner, make_pre_spawn_hook  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub provides get_config when it loads this file)

COURSE_SOURCE = Path(os.environ.get("AUTOAEGAN_COURSE_SOURCE", HERE.parent))
INSTRUCTORS = [name for name in os.environ.get("AUTOAEGAN_INSTRUCTORS", "instructor").split(",") if name]
EXCHANGE = ensure_exchange(
    Path(os.environ.get("AUTOAEGAN_EXCHANGE", "/srv/nbgrader/exchange")), COURSE_ID, exchange_owner(INSTRUCTORS)
)

# --- Who logs in, and how their servers run (the two things the local test swaps) ---
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set()  # list the class here, or use PAMAuthenticator.allowed_groups
c.PAMAuthenticator.allowed_groups = {"autoaegan"}
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
c.SystemdSpawner.dynamic_users = False  # the system's users, whose homes hold their work
c.SystemdSpawner.isolate_tmp = True
c.SystemdSpawner.isolate_devices = True

# --- The classroom profile: each chapter runs in <= 5 minutes and <= 1.5 GiB on 2 CPUs ---
c.Spawner.mem_limit = "2G"
c.Spawner.cpu_limit = 2.0
c.Spawner.mem_guarantee = "1536M"
c.Spawner.default_url = "/lab"  # JupyterLab, not the classic notebook
c.Spawner.cmd = [os.environ.get("AUTOAEGAN_SINGLEUSER", str(Path(sys.executable).parent / "jupyterhub-singleuser"))]
c.Spawner.environment = {
    "AUTOAEGAN_PROFILE": "classroom",
    "AUTOAEGAN_EXCHANGE": str(EXCHANGE),
    # nbgrader's course id and exchange, the same for instructor and students (classroom/jupyter/).
    "JUPYTER_CONFIG_PATH": str(HERE / "jupyter"),
    # The course's data, installed once on the machine (apt-get install dataset-fashion-mnist).
    "AUTOAEGAN_DATA": os.environ.get("AUTOAEGAN_DATA", "/usr/share/datasets/fashion-mnist"),
    "AUTOAEGAN_NO_DOWNLOAD": "1",
}
# TensorFlow's import and a first kernel take a while on a busy 2-CPU server.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.pre_spawn_hook = make_pre_spawn_hook(COURSE_SOURCE, set(INSTRUCTORS))

# --- An admin service, for scripts that create the class and start servers through the REST API ---
if os.environ.get("AUTOAEGAN_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services = [{"name": "classroom-admin", "api_token": os.environ["AUTOAEGAN_HUB_ADMIN_TOKEN"]}]
    c.JupyterHub.load_roles = [
        {
            "name": "classroom-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers"],
            "services": ["classroom-admin"],
        }
    ]

# --- Where the hub listens and keeps its state (a TLS proxy in front of it in production) ---
c.JupyterHub.bind_url = os.environ.get("AUTOAEGAN_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.db_url = os.environ.get("AUTOAEGAN_HUB_DB", "sqlite:////srv/jupyterhub/jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.environ.get("AUTOAEGAN_HUB_COOKIE_SECRET", "/srv/jupyterhub/cookie_secret")
