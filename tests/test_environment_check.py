"""The environment check: it passes on a machine fit for the course and explains every failure."""

import pytest

from autoaegan.course import environment_check as ec
from autoaegan.data import fashion_mnist

OFFICIAL_NAMES = [official.name for official in fashion_mnist.OFFICIAL_FILES.values()]


def by_name(report, name):
    (check,) = [check for check in report if check.name == name]
    return check


@pytest.fixture
def fake_cgroup(tmp_path, monkeypatch):
    """A cgroup v2 tree in tmp_path, in which this process sits at /hub/user."""
    root = tmp_path / "cgroup"
    (root / "hub" / "user").mkdir(parents=True)
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text("0::/hub/user\n")
    monkeypatch.setattr(ec, "CGROUP_ROOT", root)
    monkeypatch.setattr(ec, "PROC_SELF_CGROUP", proc)
    return root


@pytest.fixture
def no_fashion_mnist(tmp_path, monkeypatch):
    """No Fashion-MNIST anywhere the loader looks."""
    monkeypatch.delenv("AUTOAEGAN_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "no_debian_dir")


def test_the_whole_check_passes_on_this_machine(tmp_path, monkeypatch):
    for name in OFFICIAL_NAMES:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("AUTOAEGAN_DATA", str(tmp_path))

    report = ec.check_environment()

    assert [check.name for check in report] == [
        "Python",
        "TensorFlow and Keras",
        "CPU or GPU",
        "CPUs",
        "Memory",
        "Run profile",
        "Fashion-MNIST",
        "Widgets",
        "Plotly",
    ]
    # Python, CPUs and memory depend on the machine; the rest must pass wherever the tests run.
    for name in ("TensorFlow and Keras", "CPU or GPU", "Run profile", "Fashion-MNIST", "Widgets", "Plotly"):
        assert by_name(report, name).level == ec.OK, str(report)
    assert "Keras 3." in by_name(report, "TensorFlow and Keras").detail
    assert str(tmp_path) in by_name(report, "Fashion-MNIST").detail
    assert "'test'" in by_name(report, "Run profile").detail


def test_an_unknown_profile_fails_with_the_valid_names(monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_PROFILE", "huge")
    check = ec.check_profile()
    assert check.level == ec.FAILED and not check.ok
    assert "'huge'" in check.detail
    assert "AUTOAEGAN_PROFILE" in check.advice and "classroom" in check.advice


def test_keras_2_fails_with_install_advice():
    check = ec.check_tensorflow({"tensorflow": "2.15.1", "keras": "2.15.0", "gpus": []})
    assert check.level == ec.FAILED
    assert "Keras 3" in check.detail
    assert "pip install -e ." in check.advice


def test_a_tensorflow_that_does_not_import_fails_both_tensorflow_checks():
    probe = {"error": "importing TensorFlow failed (exit code 1): ModuleNotFoundError"}
    assert ec.check_tensorflow(probe).level == ec.FAILED
    assert ec.check_device(probe).level == ec.FAILED
    assert "pip install -e ." in ec.check_device(probe).advice


def test_a_gpu_is_named():
    check = ec.check_device({"tensorflow": "2.21.0", "keras": "3.15.1", "gpus": ["/physical_device:GPU:0"]})
    assert check.level == ec.OK and "GPU:0" in check.detail


def test_the_probe_reports_a_tensorflow_that_crashes(monkeypatch):
    monkeypatch.setattr(ec, "_TENSORFLOW_PROBE", "import sys; sys.exit('no tensorflow here')")
    probe = ec.probe_tensorflow()
    assert "error" in probe and "no tensorflow here" in probe["error"]


def test_a_container_below_the_classroom_memory_fails(fake_cgroup):
    (fake_cgroup / "hub" / "user" / "memory.max").write_text(f"{1024**3}\n")
    (fake_cgroup / "hub" / "user" / "memory.current").write_text(f"{200 * 1024**2}\n")
    assert ec.cgroup_memory_limit() == 1024**3

    check = ec.check_memory()

    assert check.level == ec.FAILED
    assert "container limit: 1.0 GiB" in check.detail
    assert "AUTOAEGAN_PROFILE=test" in check.advice


def test_the_tightest_limit_of_the_cgroup_and_its_parents_counts(fake_cgroup):
    (fake_cgroup / "hub" / "user" / "memory.max").write_text("max\n")
    (fake_cgroup / "hub" / "memory.max").write_text(f"{3 * 1024**3}\n")
    (fake_cgroup / "memory.max").write_text(f"{8 * 1024**3}\n")
    assert ec.cgroup_memory_limit() == 3 * 1024**3


def test_a_cgroup_v1_limit_is_read(fake_cgroup):
    (fake_cgroup / "memory").mkdir()
    (fake_cgroup / "memory" / "memory.limit_in_bytes").write_text(f"{2 * 1024**3}\n")
    assert ec.cgroup_memory_limit() == 2 * 1024**3
    (fake_cgroup / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert ec.cgroup_memory_limit() is None


def test_little_memory_left_warns_to_shut_down_kernels(fake_cgroup, monkeypatch):
    monkeypatch.setattr(ec, "physical_memory", lambda: (16 * 1024**3, 1024**3))
    check = ec.check_memory()
    assert check.level == ec.WARNING
    assert "Shut Down" in check.advice


def test_enough_memory_passes(fake_cgroup, monkeypatch):
    (fake_cgroup / "hub" / "user" / "memory.max").write_text(f"{2 * 1024**3}\n")
    (fake_cgroup / "hub" / "user" / "memory.current").write_text(f"{100 * 1024**2}\n")
    monkeypatch.setattr(ec, "physical_memory", lambda: (16 * 1024**3, 12 * 1024**3))
    check = ec.check_memory()
    assert check.level == ec.OK, check


def test_a_cpu_quota_below_two_cpus_warns(fake_cgroup):
    (fake_cgroup / "hub" / "user" / "cpu.max").write_text("50000 100000\n")
    assert ec.cgroup_cpu_limit() == pytest.approx(0.5)
    check = ec.check_cpus()
    assert check.level == ec.WARNING
    assert "quota 0.5" in check.detail and "test profile" in check.advice


def test_no_cpu_quota_means_the_affinity_counts(fake_cgroup):
    (fake_cgroup / "hub" / "user" / "cpu.max").write_text("max 100000\n")
    assert ec.cgroup_cpu_limit() is None
    check = ec.check_cpus()
    assert f"{ec.usable_cpus()} CPU(s) usable" in check.detail


def test_missing_data_with_downloads_off_fails_with_where_it_looked(no_fashion_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_NO_DOWNLOAD", "1")
    check = ec.check_data()
    assert check.level == ec.FAILED
    assert str(tmp_path / "keras_home") in check.detail
    assert "apt-get install dataset-fashion-mnist" in check.advice
    assert "AUTOAEGAN_DATA" in check.advice


def test_missing_data_with_downloads_allowed_warns(no_fashion_mnist, monkeypatch):
    monkeypatch.delenv("AUTOAEGAN_NO_DOWNLOAD", raising=False)
    check = ec.check_data()
    assert check.level == ec.WARNING
    assert "download it" in check.detail


def test_a_wrong_data_folder_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_DATA", str(tmp_path / "nowhere"))
    check = ec.check_data()
    assert check.level == ec.FAILED
    assert str(tmp_path / "nowhere") in check.detail


def test_old_or_missing_widget_packages_fail(monkeypatch):
    versions = {"ipywidgets": "7.8.1", "plotly": "5.24.0", "anywidget": None, "jupyterlab_widgets": "1.1.0"}
    monkeypatch.setattr(ec, "package_version", versions.get)
    assert ec.check_widgets().level == ec.FAILED
    assert ec.check_plotly().level == ec.FAILED
    versions.update(ipywidgets=None, plotly="7.1.0")
    assert "not installed" in ec.check_widgets().detail
    assert ec.check_plotly().level == ec.WARNING  # plotly without anywidget: no FigureWidget


def test_a_check_that_breaks_becomes_a_failed_line(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    check = ec._run_check("Broken", broken)
    assert check.level == ec.FAILED and "RuntimeError: boom" in check.detail


def test_a_check_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="level must be one of"):
        ec.Check("x", "fine", "detail")


def test_the_report_renders_as_html_and_text():
    report = ec.EnvironmentReport(
        [
            ec.Check("Python", ec.OK, "Python 3.11.7"),
            ec.Check("Memory", ec.FAILED, "1.0 GiB < 1.5 GiB", "Use the <test> profile"),
        ]
    )
    assert not report.ok
    page = report._repr_html_()
    assert page.count("<tr>") == 3  # header and two checks
    assert "&lt;test&gt;" in page and "<test>" not in page
    assert "✘ failed" in page and "✔ ok" in page
    text = str(report)
    assert text.splitlines()[0] == "1 failed: see 'What to do'."
    assert "what to do: Use the <test> profile" in text
    assert ec.EnvironmentReport([ec.Check("Python", ec.OK, "3.11")]).summary().startswith("All checks passed")
    from IPython.lib.pretty import pretty

    assert pretty(report) == text
