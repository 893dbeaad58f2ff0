"""The sandbox of a grading kernel: bubblewrap (`bwrap`) shows it only what grading needs.

A grading kernel runs the student's code. Without a sandbox that code reads whatever
the grader's user can read: `solutions/` and its hidden tests, the gradebook, other
students' submissions, through the package's path, the working directory or an
absolute path, and it reaches the network. File modes cannot stop this (the grader
reads those files, and on a server they are often world-readable), so each kernel
runs in its own mount namespace, where the only files are:

- its submission folder, read-write, with the notebooks in it masked (the autograded
  notebook holds the hidden tests);
- the Python environment, read-only: the virtual environment, the interpreter's
  prefix and the `autoaegan` package folder (not the repository around it);
- the Fashion-MNIST training files, read-only, where they exist; the test files (`t10k-*`)
  read as empty, since the grader may score a trained model on them;
- the system (/usr, /etc, /bin, /sbin, /lib*), read-only, with /etc's secrets masked;
  a private /proc (its own processes only), a minimal /dev, a small private /tmp and home;
- a runtime folder holding the kernel's connection file and its IPC sockets: the kernel
  has no network, so it talks to nbgrader through Unix sockets there.

`bwrap_command` builds the command from a `SandboxLayout` and nothing else (pure, tested
without bwrap); `layout_for` reads the machine to make the layout; `unavailable_reason`
says why no sandbox can start here. `autoaegan.grading.kernels.LimitedKernelManager` wires it in.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import autoaegan

# Set to "off" (or 0, false, no) to grade without the sandbox, as `LimitedKernelManager.sandbox = False` does.
SWITCH = "AUTOAEGAN_GRADING_SANDBOX"
INSTALL_HINT = "apt-get install bubblewrap"
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# Files of /etc that hold secrets: a kernel run by root could read them, capabilities dropped or not (it owns them).
SECRETS = (
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/shadow-",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/ssl/private",
)
HELD_OUT_PREFIX = "t10k-"  # the official test files' names start so
TMPFS_BYTES = 512 * 1024**2  # each private tmpfs (/tmp, home): RAM, which the data-segment limit does not count


@dataclass(frozen=True)
class SandboxLayout:
    """What a grading kernel sees, as absolute paths of this machine (each one appears at the same path inside)."""

    workdir: str  # the submission folder: read-write, the kernel's working directory
    runtime_dir: str  # the connection file and the IPC sockets: read-write
    read_only: tuple[str, ...] = ()  # the Python environment, the package folder, the data
    masked: tuple[str, ...] = ()  # files or folders made unreadable: the notebooks in `workdir`, /etc's secrets
    system: tuple[tuple[str, str | None], ...] = ()  # (path, target of the symbolic link it is, or None)
    home: str | None = None  # given a private, empty tmpfs (IPython, Keras and Matplotlib write there)
    tmpfs_bytes: int = TMPFS_BYTES
    directories: frozenset[str] = field(default_factory=frozenset)  # which `masked` paths are folders


def _depth(path: str) -> int:
    return len(Path(path).parts)


def bwrap_command(layout: SandboxLayout, command: Sequence[str], bwrap: str = "bwrap") -> list[str]:
    """The command that runs `command` in the sandbox `layout` describes.

    Mounts are applied in order, so they are sorted by depth (a folder before what is
    mounted inside it) and, at equal depth, private folders before binds before masks.
    """
    options = [
        bwrap,
        # The kernel dies with nbgrader, and gets a session of its own: no TIOCSTI into the grader's terminal.
        "--die-with-parent",
        "--new-session",
        # Its own processes only (no /proc/PID/root or cwd of the grader's), no network, no shared IPC.
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        # Run as root, the kernel would keep root's capabilities (mount, mknod a disk): drop them all.
        "--cap-drop",
        "ALL",
    ]
    mounts: list[tuple[int, int, list[str]]] = []  # (depth, order at that depth, arguments)
    for path, target in layout.system:
        mounts.append((_depth(path), 1, ["--symlink", target, path] if target else ["--ro-bind", path, path]))
    mounts.append((1, 0, ["--proc", "/proc"]))
    mounts.append((1, 0, ["--dev", "/dev"]))
    mounts.append((1, 0, ["--size", str(layout.tmpfs_bytes), "--tmpfs", "/tmp"]))
    if layout.home:
        mounts.append((_depth(layout.home), 0, ["--size", str(layout.tmpfs_bytes), "--tmpfs", layout.home]))
    for path in layout.read_only:
        mounts.append((_depth(path), 1, ["--ro-bind", path, path]))
    for path in (layout.workdir, layout.runtime_dir):
        mounts.append((_depth(path), 2, ["--bind", path, path]))
    for path in layout.masked:
        if path in layout.directories:
            mounts.append((_depth(path), 3, ["--size", "4096", "--tmpfs", path]))
        else:
            mounts.append((_depth(path), 3, ["--ro-bind", "/dev/null", path]))
    for _, _, arguments in sorted(mounts, key=lambda mount: mount[:2]):
        options += arguments
    # The root itself (a tmpfs bwrap makes) is read-only: only the work folder, /tmp and home take writes.
    options += ["--remount-ro", "/", "--chdir", layout.workdir]
    # In its PID namespace the kernel's parent is bwrap, process 1, and ipykernel, watching JPY_PARENT_PID, would
    # take it for an orphan and exit; 1 turns that watch off. --die-with-parent does its job instead.
    options += ["--setenv", "JPY_PARENT_PID", "1", "--"]
    return [*options, *command]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def python_paths() -> list[str]:
    """The Python environment the kernel needs: the virtual environment, the interpreter's prefix, the package folder.

    The install is editable: the package folder is bound, never the repository around it.
    """

    package = os.path.dirname(os.path.abspath(autoaegan.__file__))
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return sorted({os.path.abspath(path) for path in prefixes} | {package})


def executable_prefixes(executable: str) -> list[str]:
    """The environments a kernel's program lives in (`.../bin/python` gives `...`), as called and as resolved:
    a kernel spec may name another environment's interpreter."""
    paths = {executable, os.path.realpath(executable)} if os.path.isabs(executable) else set()
    return sorted(str(Path(path).parents[1]) for path in paths if len(Path(path).parts) > 2)


def data_paths(env: Mapping[str, str] | None = None, home: str | None = None) -> list[str]:
    """The Fashion-MNIST folders that exist here: `AUTOAEGAN_DATA`, the Keras cache, Debian's package."""
    env = os.environ if env is None else env
    home = home if home is not None else os.path.expanduser("~")
    candidates = [
        env.get("AUTOAEGAN_DATA", ""),
        os.path.join(home, ".keras", "datasets", "fashion-mnist"),
        "/usr/share/datasets/fashion-mnist",
    ]
    return [os.path.abspath(path) for path in candidates if path and os.path.isdir(path)]


def held_out_files(folders: Iterable[str]) -> list[str]:
    """Fashion-MNIST's test files (`t10k-*`) in `folders`: the grader scores trained models on them, so the
    student's kernel sees them empty."""
    return [
        os.path.join(folder, name)
        for folder in folders
        for name in sorted(os.listdir(folder))
        if name.startswith(HELD_OUT_PREFIX)
    ]


def notebooks_in(folder: str, limit: int = 200) -> list[str]:
    """The notebook files under `folder` (the autograded notebook holds the hidden tests): at most `limit`."""
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, name) for name in sorted(files) if name.endswith(".ipynb")]
        if len(found) >= limit:
            break
    return found[:limit]


def layout_for(
    workdir: str, runtime_dir: str, env: Mapping[str, str] | None = None, extra_read_only: Iterable[str] = ()
) -> SandboxLayout:
    """The layout of a kernel working in `workdir`, reading this machine: which system folders exist, which are
    links."""
    env = os.environ if env is None else env
    workdir, runtime_dir = os.path.abspath(workdir), os.path.abspath(runtime_dir)
    system = []
    for path in SYSTEM:
        if os.path.islink(path):
            system.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            system.append((path, None))
    home = os.path.abspath(env.get("HOME") or os.path.expanduser("~"))
    # A home that is the root, a system folder or inside the work folder gets no tmpfs of its own.
    if home == "/" or any(_inside(home, path) or _inside(path, home) for path, _ in system) or _inside(home, workdir):
        home = None
    data = data_paths(env, home or os.path.expanduser("~"))
    read_only = [*python_paths(), *data, *extra_read_only]
    # A path inside a system folder is there already.
    read_only = [path for path in dict.fromkeys(read_only) if not any(_inside(path, folder) for folder, _ in system)]
    secrets = [path for path in SECRETS if os.path.lexists(path)]
    masked = [*notebooks_in(workdir), *secrets, *held_out_files(data)]
    directories = frozenset(path for path in secrets if os.path.isdir(path))
    return SandboxLayout(
        workdir=workdir,
        runtime_dir=runtime_dir,
        read_only=tuple(read_only),
        masked=tuple(masked),
        system=tuple(system),
        home=home,
        directories=directories,
    )


def disabled_by_environment(env: Mapping[str, str] | None = None) -> bool:
    """Whether `AUTOAEGAN_GRADING_SANDBOX` turns the sandbox off (off, 0, false, no)."""
    env = os.environ if env is None else env
    return env.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no")


@functools.cache
def unavailable_reason(bwrap: str = "bwrap") -> str | None:
    """Why no sandbox can start on this machine, in one line; None when one can.

    Tries the namespaces the kernel gets (a mount, PID and network namespace), so that
    a machine without user namespaces is found here and not at the first kernel.
    """
    path = shutil.which(bwrap)
    if path is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    probe = [
        path,
        "--die-with-parent",
        "--unshare-pid",
        "--unshare-net",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--",
        "true",
    ]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap (bwrap) cannot run: {error}"
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return (
            f"bubblewrap (bwrap) cannot make a sandbox here ({message}): grade as root, "
            "or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
        )
    return None


class SandboxUnavailable(SystemExit):
    """Autograding refused: no sandbox can start and none was explicitly given up.

    A SystemExit, so that nbgrader, which records any Exception per submission and goes
    on with the next one, stops at once with this one line.
    """


def refusal(reason: str) -> str:
    """The one-line message of a refused autograding."""
    return (
        f"autograding refused: the student's code cannot be sandboxed: {reason}. To grade without the sandbox "
        f"(see classroom/README.md for what that gives up), set {SWITCH}=off or "
        "c.LimitedKernelManager.sandbox = False."
    )
