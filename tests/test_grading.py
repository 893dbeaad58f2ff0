"""Tests of the checks that the exercises' test cells use (autoaegan.grading.checks)."""

import functools
import sys
import textwrap

import numpy as np
import pytest

from autoaegan.experiments.representations import encode_hailstone_run
from autoaegan.grading.checks import (
    HiddenTestFailure,
    assert_own_implementation,
    expect_close,
    expect_equal,
    expect_raises,
    expect_scalar,
    hidden_tests,
)


class AlwaysEqual:
    """The classic cheat: equal to everything."""

    def __eq__(self, other):
        return True

    __hash__ = None


class AlwaysEqualArray(np.ndarray):
    def __eq__(self, other):
        return True


def notebook_function(source: str, name: str):
    """Run `source` as a notebook cell does (module `__main__`, its own globals); return what it names `name`."""
    namespace = {"__name__": "__main__"}
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


# expect_equal


def test_expect_equal_accepts_the_same_type_and_value():
    expect_equal((50, 18), (50, 18), "encode")
    expect_equal([6, 3, 10], [6, 3, 10], "decode")
    expect_equal({"a": [1.5]}, {"a": [1.5]}, "dict")


@pytest.mark.parametrize(
    "actual",
    [(50, 17), [50, 18], (50,), (True, 18), (np.int64(50), 18), AlwaysEqual(), (AlwaysEqual(), 18), None],
)
def test_expect_equal_rejects_wrong_values_types_and_cheats(actual):
    with pytest.raises(AssertionError, match=r"encode\(\.\.\.\): expected \(50, 18\) \(type tuple\), got"):
        expect_equal(actual, (50, 18), "encode(...)")


def test_expect_equal_message_names_what_came():
    with pytest.raises(AssertionError) as caught:
        expect_equal([50, 18], (50, 18), "encode_hailstone([50])")
    assert "got [50, 18] (type list)" in str(caught.value)


def test_expect_equal_points_to_expect_close_for_arrays():
    with pytest.raises(TypeError, match="expect_close"):
        expect_equal(np.zeros(2), np.zeros(2), "angles")


# expect_close


def test_expect_close_accepts_close_float_arrays():
    expect_close(np.array([0.0, 45.0 + 1e-9]), [0.0, 45.0], "angles", atol=1e-6)


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        ([0.0, 45.0], "expected a NumPy array of shape \\(2,\\), got \\[0.0, 45.0\\] \\(type list\\)"),
        (np.array([0.0, 45.0, 90.0]), "expected shape \\(2,\\), got shape \\(3,\\)"),
        (np.array([0, 45]), "expected an array of floats, got dtype int"),
        (np.array([0.0, 46.0]), "Not equal to tolerance"),
        (np.array([0.0, 45.0]).view(AlwaysEqualArray), "expected a NumPy array"),
    ],
)
def test_expect_close_rejects_wrong_types_shapes_and_values(actual, message):
    with pytest.raises(AssertionError, match=message):
        expect_close(actual, [0.0, 45.0], "angles", atol=1e-6)


# expect_scalar


class TensorLike:
    """Reads as a NumPy array, as a TensorFlow tensor does."""

    def __init__(self, value, dtype="float32"):
        self.value = np.asarray(value, dtype=dtype)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)


@pytest.mark.parametrize(
    "actual",
    [0.36807, np.float32(0.36807), np.float64(0.36807), np.array(0.36807), TensorLike(0.36807)],
    ids=["float", "float32", "float64", "0-d array", "tensor"],
)
def test_expect_scalar_accepts_one_float(actual):
    expect_scalar(actual, 0.368064, "penalty", rtol=1e-4)


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        (0.5, "expected 0.368064, got 0.5"),
        (float("nan"), "expected 0.368064, got nan"),
        (TensorLike(0.5), "expected 0.368064, got 0.5"),
        (0, "expected one float .* got 0 \\(type int\\) of shape \\(\\) and dtype int"),
        (True, "got True \\(type bool\\)"),
        (np.array([0.368064]), "of shape \\(1,\\) and dtype float64"),
        (TensorLike([0.368064, 0.0]), "of shape \\(2,\\) and dtype float32"),
        ("0.368064", "type str"),
        (AlwaysEqual(), "type AlwaysEqual"),
        (None, "got None \\(type NoneType\\)"),
    ],
    ids=["value", "nan", "tensor-value", "int", "bool", "vector", "tensor-vector", "str", "always-equal", "none"],
)
def test_expect_scalar_rejects_other_values_and_types(actual, message):
    with pytest.raises(AssertionError, match=f"penalty: .*{message}"):
        expect_scalar(actual, 0.368064, "penalty", rtol=1e-4)


# expect_raises


def test_expect_raises_returns_the_exception():
    error = expect_raises(ValueError, int, "x")
    assert type(error) is ValueError


def test_expect_raises_fails_when_the_function_returns():
    with pytest.raises(AssertionError, match=r"int\('7'\) should raise ValueError, but it returned 7 \(type int\)"):
        expect_raises(ValueError, int, "7")


def test_expect_raises_fails_on_another_exception_and_keeps_it():
    def stub(run):
        raise NotImplementedError()

    message = r"stub\(\[1, 2\]\) should raise ValueError, but it raised NotImplementedError"
    with pytest.raises(AssertionError, match=message):
        expect_raises(ValueError, stub, [1, 2])


# assert_own_implementation


def test_own_notebook_code_passes():
    encode = notebook_function(
        """
        import numpy as np

        def next_number(n):
            return 3 * n + 1 if n % 2 else n // 2

        def encode(run):
            for a, b in zip(run, run[1:]):
                if next_number(a) != b:
                    raise ValueError(a)
            return int(np.asarray(run)[0]), len(run)
        """,
        "encode",
    )
    assert_own_implementation(encode)
    assert encode([6, 3, 10]) == (6, 3)


def test_a_recursive_function_passes():
    collatz_length = notebook_function(
        """
        def collatz_length(n):
            return 1 if n == 1 else 1 + collatz_length(3 * n + 1 if n % 2 else n // 2)
        """,
        "collatz_length",
    )
    assert_own_implementation(collatz_length)


def test_a_function_imported_from_the_package_fails():
    # The package's function gives the right answers: only the origin check stops it.
    assert encode_hailstone_run([6, 3, 10]) == (6, 3)
    with pytest.raises(
        AssertionError, match="comes from module 'autoaegan.experiments.representations', not from this notebook"
    ):
        assert_own_implementation(encode_hailstone_run)


@pytest.mark.parametrize(
    ("source", "used"),
    [
        (
            """
            from autoaegan.experiments.representations import encode_hailstone_run

            def encode(run):
                return encode_hailstone_run(run)
            """,
            "`encode_hailstone_run` (from autoaegan.experiments.representations)",
        ),
        (
            """
            import autoaegan.experiments.representations as reps

            def encode(run):
                return reps.encode_hailstone_run(run)
            """,
            "`reps` (from autoaegan.experiments.representations)",
        ),
        (
            """
            def encode(run):
                from autoaegan.experiments.representations import encode_hailstone_run
                return encode_hailstone_run(run)
            """,
            "`import autoaegan.experiments.representations`",
        ),
        (
            """
            def encode(run):
                module = __import__("autoaegan.experiments.representations", fromlist=["x"])
                return module.encode_hailstone_run(run)
            """,
            "`'autoaegan.experiments.representations'`",
        ),
        (
            """
            from autoaegan.experiments import representations

            def helper(run):
                return representations.encode_hailstone_run(run)

            def encode(run):
                return helper(run)
            """,
            "`representations` (from autoaegan.experiments.representations)",
        ),
        (
            """
            from autoaegan.experiments.representations import encode_hailstone_run

            def make():
                reference = encode_hailstone_run
                def encode(run):
                    return reference(run)
                return encode

            encode = make()
            """,
            "`reference` (from autoaegan.experiments.representations)",
        ),
        (
            """
            from autoaegan.experiments.representations import encode_hailstone_run

            def encode(run, reference=encode_hailstone_run):
                return reference(run)
            """,
            "`default argument 1` (from autoaegan.experiments.representations)",
        ),
        (
            """
            from autoaegan.experiments.representations import encode_hailstone_run
            encode = lambda run: [encode_hailstone_run(run)][0]
            """,
            "`encode_hailstone_run`",
        ),
        (
            """
            from autoaegan.experiments.representations import HAILSTONE

            def encode(run):
                return run[0], len(HAILSTONE.run(run[0], len(run)))
            """,
            "`HAILSTONE` (from autoaegan.experiments.representations)",
        ),
    ],
    ids=[
        "global",
        "module-alias",
        "inner-import",
        "dunder-import",
        "helper",
        "closure",
        "default",
        "lambda",
        "instance",
    ],
)
def test_wrappers_around_the_package_fail(source, used):
    encode = notebook_function(source, "encode")
    assert encode([6, 3, 10]) == (6, 3)  # each wrapper works: the check must catch it anyway
    with pytest.raises(AssertionError, match="must be your own code, but it uses the autoaegan package") as caught:
        assert_own_implementation(encode)
    assert used in str(caught.value)


def test_allowed_names_may_come_from_the_package():
    encode = notebook_function(
        """
        from autoaegan.data.hailstone import hailstone_step

        def encode(run):
            return run[0], len(run) if all(hailstone_step(a) == b for a, b in zip(run, run[1:])) else None
        """,
        "encode",
    )
    with pytest.raises(AssertionError, match="hailstone_step"):
        assert_own_implementation(encode)
    assert_own_implementation(encode, allowed=["hailstone_step"])


@pytest.mark.parametrize(
    ("source", "used"),
    [
        (
            """
            import scipy.linalg

            def angles(a, b):
                return scipy.linalg.subspace_angles(a, b)
            """,
            "`subspace_angles`",
        ),
        (
            """
            from scipy.linalg import subspace_angles as oracle

            def helper(a, b):
                return oracle(a, b)

            def angles(a, b):
                return helper(a, b)
            """,
            "`oracle, which is subspace_angles`",
        ),
    ],
    ids=["attribute", "alias-in-helper"],
)
def test_forbidden_names_fail(source, used):
    angles = notebook_function(source, "angles")
    with pytest.raises(AssertionError, match="which this exercise asks you to write") as caught:
        assert_own_implementation(angles, forbidden=["subspace_angles"])
    assert used in str(caught.value)
    assert_own_implementation(angles)  # without the forbidden list, SciPy is fine


def test_code_without_forbidden_names_passes():
    angles = notebook_function(
        """
        import numpy as np

        def angles(a, b):
            qa, qb = np.linalg.qr(a)[0], np.linalg.qr(b)[0]
            return np.degrees(np.arccos(np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)))
        """,
        "angles",
    )
    assert_own_implementation(angles, forbidden=["subspace_angles"])


@pytest.mark.parametrize(
    "not_a_function",
    [functools.partial(encode_hailstone_run), print, AlwaysEqual(), None],
    ids=["partial", "builtin", "object", "none"],
)
def test_anything_but_a_function_fails(not_a_function):
    message = r"must be a function written with `def` \(or a class written with `class`\) in this notebook"
    with pytest.raises(AssertionError, match=message):
        assert_own_implementation(not_a_function)


def test_the_expected_module_can_be_given():
    def local(x):
        return x

    assert_own_implementation(local, module=__name__)
    with pytest.raises(AssertionError, match=f"comes from module '{__name__}'"):
        assert_own_implementation(local)


# assert_own_implementation for classes


def test_own_notebook_class_passes():
    penalty = notebook_function(
        """
        import numpy as np

        class Base:
            def __init__(self, weight):
                self.weight = weight

        def mean_of(values):
            return np.mean(values, axis=0)

        class Penalty(Base):
            def __init__(self, weight, target):
                super().__init__(weight)
                self.target = target

            def __call__(self, values):
                return self.weight * float(np.sum(self.gap(mean_of(values), self.target)))

            @staticmethod
            def gap(mean, target):
                return np.abs(mean - target)

            @classmethod
            def default(cls):
                return cls(1.0, 0.1)

            @property
            def settings(self):
                return {"weight": self.weight, "target": self.target}
        """,
        "Penalty",
    )
    assert_own_implementation(penalty)
    assert penalty.default()(np.full((4, 2), 0.3)) == pytest.approx(0.4)


def test_a_class_imported_from_the_package_fails():
    message = (
        "comes from module 'autoaegan.grading.checks', not from this notebook: write the class yourself with `class`"
    )
    with pytest.raises(AssertionError, match=message):
        assert_own_implementation(HiddenTestFailure)


@pytest.mark.parametrize(
    ("source", "used"),
    [
        (
            """
            from autoaegan.grading.checks import HiddenTestFailure

            class Failure(HiddenTestFailure):
                \"\"\"The package's class under another name.\"\"\"
            """,
            "`base class HiddenTestFailure` (from autoaegan.grading.checks)",
        ),
        (
            """
            from autoaegan.grading.checks import HiddenTestFailure

            class Middle(HiddenTestFailure):
                pass

            class Failure(Middle):
                pass
            """,
            "`base class HiddenTestFailure` (from autoaegan.grading.checks)",
        ),
        (
            """
            from autoaegan.grading.checks import describe

            class Failure(AssertionError):
                def __str__(self):
                    return describe(self.args[0])
            """,
            "`describe` (from autoaegan.grading.checks)",
        ),
        (
            """
            from autoaegan.grading import checks as grading

            class Failure(AssertionError):
                __str__ = grading.HiddenTestFailure.__str__
                describe = staticmethod(grading.describe)
            """,
            "`Failure.describe` (from autoaegan.grading.checks)",
        ),
        (
            """
            class Failure(AssertionError):
                @property
                def text(self):
                    from autoaegan.grading.checks import describe
                    return describe(self.args[0])
            """,
            "`import autoaegan.grading.checks`",
        ),
        (
            """
            from autoaegan.grading.checks import describe

            class Describer:
                def run(self, value):
                    return describe(value)

            class Failure(AssertionError):
                def __str__(self):
                    return Describer().run(self.args[0])
            """,
            "`describe` (from autoaegan.grading.checks)",
        ),
        (
            """
            from autoaegan.grading.checks import HiddenTestFailure

            class Failure(AssertionError):
                implementation = HiddenTestFailure
            """,
            "`Failure.implementation` (from autoaegan.grading.checks)",
        ),
    ],
    ids=[
        "subclass",
        "subclass-of-subclass",
        "method",
        "borrowed-method",
        "property-import",
        "helper-class",
        "attribute",
    ],
)
def test_classes_wrapping_the_package_fail(source, used):
    failure = notebook_function(source, "Failure")
    assert isinstance(failure("the check"), AssertionError)  # each class works: the check must catch it anyway
    with pytest.raises(AssertionError, match="must be your own code, but it uses the autoaegan package") as caught:
        assert_own_implementation(failure)
    assert used in str(caught.value)


@pytest.mark.parametrize(
    ("source", "used"),
    [
        (
            """
            import scipy.linalg

            class Angles:
                def __call__(self, a, b):
                    return scipy.linalg.subspace_angles(a, b)
            """,
            "`subspace_angles`",
        ),
        (
            """
            class Angles(ValueError):
                pass
            """,
            "`base class ValueError`",
        ),
    ],
    ids=["method", "base-class"],
)
def test_forbidden_names_fail_in_classes(source, used):
    angles = notebook_function(source, "Angles")
    with pytest.raises(AssertionError, match="which this exercise asks you to write") as caught:
        assert_own_implementation(angles, forbidden=["subspace_angles", "ValueError"])
    assert used in str(caught.value)
    assert_own_implementation(angles)


# hidden_tests


def test_hidden_tests_pass_through_when_nothing_fails():
    with hidden_tests("nothing"):
        value = 1 + 1
    assert value == 2


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (AssertionError("expected 42, secret"), "a check failed"),
        (ValueError("secret input 27"), "the code raised ValueError"),
    ],
)
def test_hidden_tests_name_the_test_and_hide_the_details(error, kind):
    with pytest.raises(HiddenTestFailure) as caught:
        with hidden_tests("encode on runs 1..500"):
            raise error
    assert str(caught.value) == f"hidden tests failed: encode on runs 1..500 ({kind})"
    assert isinstance(caught.value, AssertionError)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_hidden_tests_let_keyboard_interrupts_through():
    with pytest.raises(KeyboardInterrupt):
        with hidden_tests("anything"):
            raise KeyboardInterrupt


CELL = """\
from autoaegan.grading.checks import hidden_tests
with hidden_tests("the secret case"):
    answer_line_one = 41
    assert answer_line_one == 42, "the expected value is 42"
"""


def test_ipython_shows_a_hidden_failure_without_its_source(capsys, monkeypatch, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    # The shell replaces these hooks: monkeypatch puts the originals back afterwards.
    monkeypatch.setattr(sys, "displayhook", sys.displayhook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config, ipython_dir=str(tmp_path))
    try:
        plain = shell.run_cell(CELL.replace('with hidden_tests("the secret case"):', "if True:"))
        plain_output = capsys.readouterr().out
        hidden = shell.run_cell(CELL)
        hidden_output = capsys.readouterr().out
    finally:
        shell.clear_instance()
    # Without the context manager, IPython prints the failing line and its neighbours...
    assert type(plain.error_in_exec) is AssertionError
    assert "answer_line_one" in plain_output
    # ...with it, the cell still fails, but only the test's name is shown.
    assert type(hidden.error_in_exec) is HiddenTestFailure
    assert "hidden tests failed: the secret case (a check failed)" in hidden_output
    assert "answer_line_one" not in hidden_output and "42" not in hidden_output
