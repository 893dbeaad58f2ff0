"""TensorFlow's C++ log lines are moved out of stderr into a log file; every other line passes unchanged."""

import subprocess
import sys
import textwrap

import pytest

from autoaegan.tensorflow_logs import is_tensorflow_noise

NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796600270.084027    7452 port.cc:153] oneDNN custom operations are on.",
    "I0000 00:00:1796600270.084935    7452 cudart_stub.cc:31] "
    "Could not find cuda drivers on your machine, GPU will not be used.",
    "E0000 00:00:1796600274.794228    7452 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
    "E0000 00:00:1796600275.015844    7452 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT: Mutation::Apply",
    "W1206 23:41:02.123456   12345 tensorflow/core/framework/op_kernel.cc:1857] OP_REQUIRES failed",
    "To enable the following instructions: AVX2 FMA, in other operations, "
    "rebuild TensorFlow with the appropriate compiler flags.",
]
KEPT = [
    "to stderr",
    "UserWarning: Do not pass an `input_shape`/`input_dim` argument to a layer.",
    "F0000 00:00:1796600274.794228    7452 check.cc:12] Check failed: a crash explained",
    "Traceback (most recent call last):",
    "I0000 is not a log line without its source file",
]


@pytest.mark.parametrize("line", NOISE)
def test_tensorflow_log_lines_are_noise(line):
    assert is_tensorflow_noise(line)
    assert is_tensorflow_noise(line.encode() + b"\n")


@pytest.mark.parametrize("line", KEPT)
def test_other_lines_are_not_noise(line):
    assert not is_tensorflow_noise(line)


def test_the_filter_moves_noise_to_its_log_and_passes_the_rest(tmp_path):
    log = tmp_path / "tf.log"
    script = textwrap.dedent(f"""
        import os, sys, time
        from autoaegan.tensorflow_logs import quiet_tensorflow_logs, removed_line_count
        assert quiet_tensorflow_logs({str(log)!r}) == quiet_tensorflow_logs()
        lines = {NOISE + KEPT!r}
        for line in lines:
            os.write(2, (line + "\\n").encode())   # as C++ writes: straight to the descriptor
        print("from Python", file=sys.stderr, flush=True)
        os.write(2, b"a partial line")
        time.sleep(0.5)
        print(removed_line_count())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(NOISE)), f"expected {len(NOISE)} lines removed, got {result.stdout!r}"
    assert result.stderr == "\n".join(KEPT) + "\nfrom Python\na partial line", (
        f"stderr should hold exactly the kept lines, in order; got {result.stderr!r}"
    )
    assert log.read_text().splitlines() == NOISE
