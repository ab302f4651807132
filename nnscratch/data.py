"""MNIST: find, download, verify and load the four canonical IDX files, then prepare the splits.

:func:`load_mnist` returns the raw data exactly as published: ``uint8`` images ``(N, 28, 28)`` and
integer labels ``(N,)``, in the original order. Flattening, scaling and one-hot encoding are taught
in chapter 1 and packaged here as :func:`prepare` and :func:`mnist_splits` for the later chapters.

Where the files are looked for, in order:

1. ``$NNSCRATCH_DATA/mnist/`` (may be read-only; nothing is ever written there);
2. the per-user cache, ``$NNSCRATCH_CACHE`` or ``~/.cache/nnscratch/mnist/``;
3. if a file is in neither, it is downloaded from the public mirrors into the cache: written to a
   temporary file, verified, and only then renamed into place.

Every file is verified when read: the MD5 of its *uncompressed* bytes against the published value,
then its IDX magic number and shape. Problems raise :class:`MNISTError` with a message that names
the file and says how to fix it.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_ENV = "NNSCRATCH_DATA"
CACHE_ENV = "NNSCRATCH_CACHE"

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]


@dataclass(frozen=True)
class IDXFile:
    name: str  # file name on disk and on the mirrors
    md5: str  # MD5 of the uncompressed file, as published with MNIST
    magic: int  # 2051 for images (ubyte, 3 dims), 2049 for labels (ubyte, 1 dim)
    shape: tuple[int, ...]


FILES = {
    "train": (
        IDXFile(
            "train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb", 2051, (60000, 28, 28)
        ),
        IDXFile("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624", 2049, (60000,)),
    ),
    "test": (
        IDXFile(
            "t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea", 2051, (10000, 28, 28)
        ),
        IDXFile("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637", 2049, (10000,)),
    ),
}
ALL_FILES = [f.name for pair in FILES.values() for f in pair]


class MNISTError(RuntimeError):
    """MNIST could not be found, downloaded or verified. The message says which file and the fix."""


# --------------------------------------------------------------------------------------------
# Where the files live
# --------------------------------------------------------------------------------------------


def data_dir() -> Path | None:
    """``$NNSCRATCH_DATA/mnist``, or None when the variable is unset."""
    root = os.environ.get(DATA_ENV)
    return Path(root).expanduser() / "mnist" if root else None


def cache_dir() -> Path:
    """The per-user download cache: ``$NNSCRATCH_CACHE`` or ``~/.cache/nnscratch/mnist``."""
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "nnscratch" / "mnist"


# --------------------------------------------------------------------------------------------
# Reading and verifying one file
# --------------------------------------------------------------------------------------------


def read_idx(path: Path, spec: IDXFile) -> np.ndarray:
    """Decompress, verify (MD5, magic number, shape) and parse one IDX file. Raises MNISTError."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:
        raise MNISTError(
            f"{path} is truncated or is not a valid gzip file ({exc}). Delete it and load again, "
            f"or replace it with the original {spec.name}."
        ) from None
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != spec.magic:
        found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise MNISTError(
            f"{path} does not start with the IDX magic number {spec.magic} (found {found}): it is "
            f"not the MNIST file {spec.name}. Replace it with the original file."
        )
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if dims != spec.shape:
        raise MNISTError(
            f"{path} has shape {dims}, expected {spec.shape}. Replace it with the original file."
        )
    digest = hashlib.md5(raw).hexdigest()
    if digest != spec.md5:
        raise MNISTError(
            f"{path} has the wrong checksum (MD5 of the uncompressed data {digest}, expected "
            f"{spec.md5}): the file is damaged or is not the canonical MNIST. Delete it and load "
            "again, or replace it."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(spec.shape)


# --------------------------------------------------------------------------------------------
# Downloading into the cache
# --------------------------------------------------------------------------------------------


def _progress(total: int | None, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


def download(spec: IDXFile, target: Path, mirrors: list[str] | None = None) -> None:
    """Download ``spec`` into ``target`` from the first mirror that serves a verified copy.

    Each attempt writes to a temporary file beside ``target`` and renames it only once it is
    complete and verified, so an interrupted download never leaves a half-written file under the
    real name.
    """
    mirrors = MIRRORS if mirrors is None else mirrors
    target.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror + spec.name
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=spec.name + ".", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=30) as response:
                length = response.headers.get("Content-Length")
                with _progress(int(length) if length else None, spec.name) as bar:
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
                        bar.update(len(chunk))
            read_idx(tmp, spec)  # raises MNISTError if the copy is incomplete or wrong
            os.replace(tmp, target)
            return
        except (OSError, urllib.error.URLError, MNISTError) as exc:
            failures.append(f"{url}: {exc}")
        finally:
            tmp.unlink(missing_ok=True)
    raise MNISTError("\n  ".join([f"could not download {spec.name}:"] + failures))


# --------------------------------------------------------------------------------------------
# Finding one file
# --------------------------------------------------------------------------------------------


def _not_found(spec: IDXFile, cache: Path, why: str) -> MNISTError:
    given = data_dir()
    hint = ""
    if given is not None and (given.parent / spec.name).exists():
        hint = (
            f"\nNote: {given.parent / spec.name} exists; the files belong in a sub-folder "
            "named 'mnist'."
        )
    looked = f"${DATA_ENV}/mnist = {given}" if given else f"${DATA_ENV} is not set"
    return MNISTError(
        f"MNIST file {spec.name} was not found and could not be downloaded.\nLooked in: {looked}; "
        f"cache {cache}.\n{why}\nFix: connect to the internet and load again (the files are cached "
        f"in {cache}), or copy the four files {', '.join(ALL_FILES)} into a folder named 'mnist' "
        f"and set {DATA_ENV} to its parent, e.g. export {DATA_ENV}=/path/to/data  (with "
        f"/path/to/data/mnist/{spec.name}).{hint}"
    )


def load_file(spec: IDXFile) -> np.ndarray:
    """Find, verify and return one IDX file, downloading it into the cache if needed."""
    given = data_dir()
    if given is not None and (given / spec.name).is_file():
        # the user's own copy: errors are reported, not replaced
        return read_idx(given / spec.name, spec)
    cached = cache_dir() / spec.name
    if cached.is_file():
        try:
            return read_idx(cached, spec)
        except MNISTError as bad:
            try:
                download(spec, cached)  # replace a damaged cached copy when online
            except MNISTError as offline:
                raise MNISTError(f"{bad}\nA fresh download failed too: {offline}") from None
            return read_idx(cached, spec)
    try:
        download(spec, cached)
    except MNISTError as offline:
        raise _not_found(spec, cache_dir(), str(offline)) from None
    except OSError as exc:  # e.g. the cache folder cannot be created
        raise _not_found(spec, cache_dir(), f"The cache folder is not writable: {exc}") from None
    return read_idx(cached, spec)


@cache
def _load_verified(split: str) -> tuple[np.ndarray, np.ndarray]:
    images_spec, labels_spec = FILES[split]
    return load_file(images_spec), load_file(labels_spec)


def load_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split as published.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).

    Returns:
        ``(images, labels)``: ``uint8`` array ``(N, 28, 28)`` with values 0..255, and ``int64``
        labels ``(N,)`` with values 0..9, in the original order. Fresh arrays: changing them is
        safe.
    """
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels = _load_verified(split)
    return images.copy(), labels.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Preparing the data for the network (derived in chapter 1)
# --------------------------------------------------------------------------------------------


def flatten(images: np.ndarray) -> np.ndarray:
    """``(N, 28, 28)`` -> ``(N, 784)``, row by row."""
    return images.reshape(len(images), -1)


def scale(images: np.ndarray) -> np.ndarray:
    """``uint8`` 0..255 -> ``float32`` in [0, 1]."""
    return images.astype(np.float32) / np.float32(255)


def one_hot(labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """Integer labels ``(N,)`` -> ``float32`` one-hot rows ``(N, classes)``."""
    return np.eye(classes, dtype=np.float32)[labels]


@dataclass(frozen=True)
class Split:
    """One part of the data: ``x (N, 784)`` float32 in [0, 1], ``y (N, 10)`` one-hot, ``labels``."""

    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int | None) -> Split:
        """The first ``n`` rows (all rows when ``n`` is None)."""
        return self if n is None else Split(self.x[:n], self.y[:n], self.labels[:n])


@dataclass(frozen=True)
class MNIST:
    train: Split  # 85% of the official training set: 51,000 images
    val: Split  # the other 15%: 9,000 images
    test: Split  # the official test set: 10,000 images


def prepare(images: np.ndarray, labels: np.ndarray) -> Split:
    """Flatten, scale and one-hot encode raw images and labels."""
    return Split(scale(flatten(images)), one_hot(labels), np.asarray(labels, dtype=np.int64))


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``(train, validation)`` that scikit-learn's ``train_test_split(np.arange(n),
    test_size=val_fraction, random_state=seed)`` picks, computed as it does (one permutation by
    NumPy's ``RandomState(seed)``, the first ``ceil(n * val_fraction)`` rows for validation)
    without importing scikit-learn, which takes a second in every kernel."""
    n_val = math.ceil(val_fraction * n)
    permutation = np.random.RandomState(seed).permutation(n)
    return permutation[n_val:], permutation[:n_val]


def mnist_splits(
    val_fraction: float = 0.15, seed: int = 42, limit: int | None = None, quick: bool | None = None
) -> MNIST:
    """Train / validation / test splits, prepared for the network.

    The official training set is split 85/15 with scikit-learn's
    ``train_test_split(random_state=42)`` (51,000 / 9,000); the official test set is kept apart.
    ``limit`` cuts each split to its first ``limit`` rows. In quick mode (``quick``, by default
    ``NNSCRATCH_QUICK=1``) the default limits are 5,000 train, 1,000 validation, 1,000 test rows.
    """
    from nnscratch.config import is_quick

    images, labels = load_mnist("train")
    i_train, i_val = split_indices(len(labels), val_fraction, seed)
    test_images, test_labels = load_mnist("test")
    n_train = n_val = n_test = limit
    if limit is None and (is_quick() if quick is None else quick):
        n_train, n_val, n_test = 5000, 1000, 1000
    # Cut before preparing: the rows are the same, and quick mode loads in a fraction of the time.
    i_train, i_val = i_train[:n_train], i_val[:n_val]
    return MNIST(
        prepare(images[i_train], labels[i_train]),
        prepare(images[i_val], labels[i_val]),
        prepare(test_images[:n_test], test_labels[:n_test]),
    )
