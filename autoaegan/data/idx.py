"""Reading IDX files (the format of MNIST and Fashion-MNIST), gzipped or not, with checks."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

# The third byte of an IDX magic number gives the element type; Fashion-MNIST only uses unsigned bytes.
UNSIGNED_BYTE = 0x08


class CorruptDataError(ValueError):
    """A data file exists but cannot be trusted: truncated, not gzip, wrong header or wrong checksum."""


def read_decompressed_bytes(path: Path) -> bytes:
    """Return the bytes of `path`, gunzipped when its name ends in `.gz`."""
    path = Path(path)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read()
    except gzip.BadGzipFile as error:
        raise CorruptDataError(
            f"{path} is not a gzip file ({error}); expected a gzip-compressed IDX file. "
            "Delete it and get the data again."
        ) from None
    except (EOFError, zlib.error) as error:
        raise CorruptDataError(
            f"{path} is a truncated or damaged gzip file ({error}); "
            "the download was probably interrupted. Delete it and get the data again."
        ) from None


def parse_idx(data: bytes, *, name: str, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Parse IDX bytes of unsigned bytes into an array of `expected_shape`, checking the header."""
    ndim = len(expected_shape)
    expected_magic = bytes([0, 0, UNSIGNED_BYTE, ndim])
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise CorruptDataError(
            f"{name}: expected an IDX header of {header_size} bytes, got a file of {len(data)} bytes"
        )
    magic = data[:4]
    if magic != expected_magic:
        raise CorruptDataError(
            f"{name}: wrong IDX magic number: expected 0x{expected_magic.hex()} "
            f"(unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''}), got 0x{magic.hex()}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    if shape != tuple(expected_shape):
        raise CorruptDataError(f"{name}: wrong IDX shape: expected {tuple(expected_shape)}, got {shape}")
    expected_size = header_size + int(np.prod(shape))
    if len(data) != expected_size:
        raise CorruptDataError(
            f"{name}: expected {expected_size} bytes for shape {shape}, got {len(data)}: "
            "the file is truncated or padded"
        )
    # Copy so the array owns writable memory rather than a view on the decompressed bytes.
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def verify_sha256(data: bytes, *, name: str, expected: str) -> None:
    """Raise `CorruptDataError` naming the file and both hashes if `data` does not hash to `expected`."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise CorruptDataError(
            f"{name}: checksum mismatch of the decompressed bytes: expected SHA-256 {expected}, "
            f"got {actual}. The file is damaged or is not the official one; delete it and get the data again."
        )


def read_idx(path: Path, *, expected_shape: tuple[int, ...], sha256: str | None = None) -> np.ndarray:
    """Read one IDX file: decompress, check header and shape, then the SHA-256 of the decompressed bytes."""
    path = Path(path)
    data = read_decompressed_bytes(path)
    array = parse_idx(data, name=str(path), expected_shape=expected_shape)
    if sha256 is not None:
        verify_sha256(data, name=str(path), expected=sha256)
    return array
