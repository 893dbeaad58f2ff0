"""The Fashion-MNIST loader: where it looks, what it returns, and every kind of bad input."""

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from autoaegan.data import fashion_mnist as fm
from autoaegan.data.fashion_mnist import (
    OFFICIAL_FILES,
    CorruptDataError,
    DataNotFoundError,
    load_fashion_mnist,
    locate_fashion_mnist,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"


@pytest.fixture(scope="module")
def official_dir() -> Path:
    """The official files.

    From AUTOAEGAN_DATA (CI sets it), the shared folder beside the repo, or wherever the loader finds them.
    """
    if not os.environ.get("AUTOAEGAN_DATA") and SHARED_DATA.is_dir():
        return locate_fashion_mnist(SHARED_DATA).path
    return locate_fashion_mnist(download=False).path


@pytest.fixture(scope="module")
def dataset(official_dir):
    return load_fashion_mnist(official_dir)


@pytest.fixture
def no_default_places(tmp_path, monkeypatch):
    """Empty every place the loader searches, so each test decides what exists."""
    monkeypatch.delenv(fm.DATA_VARIABLE, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setenv(fm.NO_DOWNLOAD_VARIABLE, "1")
    return tmp_path


def copy_official(official_dir: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for official in OFFICIAL_FILES.values():
        shutil.copy(official_dir / official.name, target / official.name)
    return target


def write_gz(path: Path, data: bytes) -> None:
    with gzip.open(path, "wb", compresslevel=1) as stream:
        stream.write(data)


def small_copy(official_dir: Path, target: Path) -> Path:
    """A folder whose three small files are official copies; the big training images are rewritten per test."""
    target.mkdir(parents=True, exist_ok=True)
    for key in ("train_labels", "test_labels", "test_images"):
        shutil.copy(official_dir / OFFICIAL_FILES[key].name, target / OFFICIAL_FILES[key].name)
    return target


# --- good data -------------------------------------------------------------------------------


def test_splits_have_the_documented_sizes_and_dtype(dataset):
    assert dataset.train_images.shape == (55_000, 28, 28)
    assert dataset.valid_images.shape == (5_000, 28, 28)
    assert dataset.test_images.shape == (10_000, 28, 28)
    assert dataset.train_labels.shape == (55_000,) and dataset.valid_labels.shape == (5_000,)
    assert dataset.test_labels.shape == (10_000,)
    for array in (dataset.train_images, dataset.valid_images, dataset.test_images, dataset.train_labels):
        assert array.dtype == np.uint8


def test_sanity_figures_match_the_data_readme(dataset):
    assert dataset.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    train = np.concatenate([dataset.train_images, dataset.valid_images]).astype(np.float64) / 255
    assert train.mean() == pytest.approx(0.286041, abs=1e-6)
    assert train.std() == pytest.approx(0.353024, abs=1e-6)


def test_validation_is_the_last_5000_training_images_and_splits_do_not_overlap(dataset, official_dir):
    from autoaegan.data.idx import read_idx

    raw = read_idx(official_dir / OFFICIAL_FILES["train_images"].name, expected_shape=(60_000, 28, 28))
    np.testing.assert_array_equal(dataset.train_images, raw[:55_000])
    np.testing.assert_array_equal(dataset.valid_images, raw[55_000:])
    # no image appears in two splits (Fashion-MNIST has no exact duplicates across these splits)
    hashes = {name: {img.tobytes() for img in getattr(dataset, f"{name}_images")} for name in ("valid", "test")}
    assert not hashes["valid"] & hashes["test"]
    assert not {img.tobytes() for img in dataset.train_images[:5000]} & hashes["valid"]


def test_class_names_and_source(dataset, official_dir):
    assert len(dataset.class_names) == 10
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[9] == "Ankle boot"
    assert dataset.source.path == official_dir
    assert "path=" in dataset.source.origin


def test_uncompressed_files_are_accepted(official_dir, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for official in OFFICIAL_FILES.values():
        with gzip.open(official_dir / official.name) as src, open(folder / official.name[:-3], "wb") as dst:
            shutil.copyfileobj(src, dst)
    data = load_fashion_mnist(folder)
    assert data.test_images.shape == (10_000, 28, 28)


# --- where it looks --------------------------------------------------------------------------


def test_environment_variable_is_used(official_dir, no_default_places, monkeypatch):
    monkeypatch.setenv(fm.DATA_VARIABLE, str(official_dir))
    location = locate_fashion_mnist()
    assert location.path == official_dir and fm.DATA_VARIABLE in location.origin


def test_keras_cache_comes_before_debian(official_dir, no_default_places):
    keras_dir = copy_official(official_dir, no_default_places / "keras-home" / "datasets" / "fashion-mnist")
    copy_official(official_dir, no_default_places / "debian")
    location = locate_fashion_mnist()
    assert location.path == keras_dir and location.origin == "Keras cache"


def test_debian_folder_is_used_when_keras_cache_is_empty(official_dir, no_default_places):
    debian = copy_official(official_dir, no_default_places / "debian")
    location = locate_fashion_mnist()
    assert location.path == debian and "Debian" in location.origin


def test_explicit_path_does_not_fall_through(official_dir, no_default_places):
    copy_official(official_dir, no_default_places / "debian")
    with pytest.raises(DataNotFoundError) as error:
        locate_fashion_mnist(no_default_places / "elsewhere")
    assert "elsewhere" in str(error.value) and "no such folder" in str(error.value)


def test_environment_variable_pointing_nowhere_is_an_error(official_dir, no_default_places, monkeypatch):
    copy_official(official_dir, no_default_places / "debian")
    monkeypatch.setenv(fm.DATA_VARIABLE, str(no_default_places / "nothing-here"))
    with pytest.raises(DataNotFoundError, match=fm.DATA_VARIABLE):
        locate_fashion_mnist()


def test_no_data_anywhere_says_where_it_looked_and_how_to_get_it(no_default_places):
    with pytest.raises(DataNotFoundError) as error:
        load_fashion_mnist()
    message = str(error.value)
    assert str(no_default_places / "keras-home" / "datasets" / "fashion-mnist") in message
    assert str(no_default_places / "debian") in message
    assert "switched off" in message  # the download was not attempted
    assert "keras.datasets.fashion_mnist.load_data()" in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_a_folder_missing_a_file_is_named(official_dir, tmp_path):
    folder = copy_official(official_dir, tmp_path / "partial")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataNotFoundError, match="lacks t10k-labels-idx1-ubyte.gz"):
        load_fashion_mnist(folder)


def test_failed_download_is_reported(no_default_places, monkeypatch):
    monkeypatch.delenv(fm.NO_DOWNLOAD_VARIABLE)

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.setattr(fm, "_download", offline)
    with pytest.raises(DataNotFoundError, match="failed .OSError: network is unreachable"):
        locate_fashion_mnist()


# --- corrupt files ---------------------------------------------------------------------------


def test_truncated_gzip_is_refused(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "truncated")
    source = (official_dir / OFFICIAL_FILES["train_images"].name).read_bytes()
    (folder / OFFICIAL_FILES["train_images"].name).write_bytes(source[: len(source) // 3])
    with pytest.raises(CorruptDataError, match="train-images-idx3-ubyte.gz is a truncated"):
        load_fashion_mnist(folder)


def test_non_gzip_file_is_refused(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "not-gzip")
    (folder / OFFICIAL_FILES["train_images"].name).write_text("<html>404 Not Found</html>")
    with pytest.raises(CorruptDataError, match="is not a gzip file"):
        load_fashion_mnist(folder)


def test_wrong_magic_number_is_refused(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "magic")
    header = bytes([0, 0, 0x0D, 3]) + np.array([60_000, 28, 28], dtype=">u4").tobytes()  # 0x0D: float32
    write_gz(folder / OFFICIAL_FILES["train_images"].name, header + bytes(60_000 * 28 * 28))
    with pytest.raises(CorruptDataError, match="wrong IDX magic number: expected 0x00000803.*got 0x00000d03"):
        load_fashion_mnist(folder)


def test_wrong_shape_is_refused(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "shape")
    header = bytes([0, 0, 8, 3]) + np.array([60_000, 32, 32], dtype=">u4").tobytes()
    write_gz(folder / OFFICIAL_FILES["train_images"].name, header + bytes(60_000 * 32 * 32))
    with pytest.raises(CorruptDataError, match=r"wrong IDX shape: expected \(60000, 28, 28\), got \(60000, 32, 32\)"):
        load_fashion_mnist(folder)


def test_missing_pixels_are_refused(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "short")
    header = bytes([0, 0, 8, 3]) + np.array([60_000, 28, 28], dtype=">u4").tobytes()
    write_gz(folder / OFFICIAL_FILES["train_images"].name, header + bytes(1000))
    with pytest.raises(CorruptDataError, match="truncated or padded"):
        load_fashion_mnist(folder)


def test_checksum_mismatch_names_file_and_both_hashes(official_dir, tmp_path):
    folder = small_copy(official_dir, tmp_path / "altered")
    with gzip.open(official_dir / OFFICIAL_FILES["train_images"].name) as stream:
        data = bytearray(stream.read())
    data[-1] ^= 0xFF  # one pixel changed: header and shape stay valid
    write_gz(folder / OFFICIAL_FILES["train_images"].name, bytes(data))
    with pytest.raises(CorruptDataError) as error:
        load_fashion_mnist(folder)
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert OFFICIAL_FILES["train_images"].sha256 in message
    import hashlib

    assert hashlib.sha256(bytes(data)).hexdigest() in message
