"""The MNIST loader: shapes and order, where it looks, downloading, and every error case."""

from __future__ import annotations

import gzip
import http.server
import os
import shutil
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from nnscratch import data
from nnscratch.data import ALL_FILES, MNISTError, load_mnist, mnist_splits, split_indices

SHARED = (
    Path(os.environ.get("NNSCRATCH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    / "mnist"
)
if not all((SHARED / name).is_file() for name in ALL_FILES):
    pytest.exit(
        f"The tests need the four MNIST files in {SHARED}: set NNSCRATCH_DATA to the folder that "
        "holds mnist/",
        returncode=4,
    )

# the discard port: connection refused at once, like no network
UNREACHABLE = ["http://127.0.0.1:9/"]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Each test starts with an empty cache, no NNSCRATCH_DATA, no network, no memoised arrays."""
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(data, "MIRRORS", UNREACHABLE)
    data._load_verified.cache_clear()
    yield
    data._load_verified.cache_clear()


def make_data_dir(root: Path, names=ALL_FILES) -> Path:
    """A copy of the MNIST files in root/mnist, as NNSCRATCH_DATA expects."""
    (root / "mnist").mkdir(parents=True)
    for name in names:
        shutil.copy(SHARED / name, root / "mnist" / name)
    return root / "mnist"


def use_shared(monkeypatch):
    monkeypatch.setenv(data.DATA_ENV, str(SHARED.parent))


def rewrite(path: Path, change) -> None:
    """Replace the gzip file at path by one whose uncompressed bytes are change(bytes)."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(bytes(change(raw))))


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server standing in for an MNIST mirror; yields (url, folder it serves)."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()


# ---------------------------------------------------------------------------------------------
# What it returns
# ---------------------------------------------------------------------------------------------


def test_train_and_test_shapes_types_and_order(monkeypatch):
    use_shared(monkeypatch)
    images, labels = load_mnist("train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and np.issubdtype(labels.dtype, np.integer)
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the original order
    assert np.bincount(labels).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert 0.1306 < images.mean() / 255 < 0.1308
    test_images, test_labels = load_mnist("test")
    assert test_images.shape == (10000, 28, 28) and test_labels.shape == (10000,)
    assert np.bincount(test_labels).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]


def test_returned_arrays_are_fresh_copies(monkeypatch):
    use_shared(monkeypatch)
    images, labels = load_mnist("test")
    images[:] = 0
    labels[:] = 0
    again, again_labels = load_mnist("test")
    assert again.max() == 255 and again_labels[:3].tolist() == [7, 2, 1]


def test_unknown_split_is_a_clear_value_error():
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'validation'"):
        load_mnist("validation")


def test_reads_from_a_read_only_data_folder(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "ro")
    for path in [*folder.iterdir(), folder, folder.parent]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "ro"))
    try:
        images, _ = load_mnist("test")
        assert images.shape == (10000, 28, 28)
        # nothing written there
        assert sorted(p.name for p in folder.iterdir()) == sorted(ALL_FILES)
        assert not (tmp_path / "cache").exists()  # and no download happened
    finally:
        for path in [folder.parent, folder, *folder.iterdir()]:
            path.chmod(0o755)


def test_splits_are_85_15_of_the_official_training_set_plus_the_test_set(monkeypatch):
    use_shared(monkeypatch)
    monkeypatch.delenv("NNSCRATCH_QUICK", raising=False)
    splits = mnist_splits()
    assert (len(splits.train), len(splits.val), len(splits.test)) == (51000, 9000, 10000)
    assert splits.train.x.shape == (51000, 784) and splits.train.x.dtype == np.float32
    assert splits.train.x.min() == 0.0 and splits.train.x.max() == 1.0
    assert np.array_equal(splits.train.y.argmax(axis=1), splits.train.labels)
    assert np.array_equal(splits.test.labels, load_mnist("test")[1])
    # validation and train are disjoint parts of the training set: together they hold every image
    # once
    pixels = np.concatenate([splits.train.x, splits.val.x]).sum(axis=1)
    assert np.allclose(np.sort(pixels), np.sort(mnist_scaled_sums()), atol=1e-3)


@pytest.mark.parametrize("n, fraction, seed", [(60000, 0.15, 42), (1001, 0.3, 0), (10, 0.15, 7)])
def test_split_indices_are_scikit_learns(n, fraction, seed):
    """The package splits without importing scikit-learn (a second per kernel), into the same rows
    as the train_test_split that chapter 1 teaches."""
    from sklearn.model_selection import train_test_split

    expected = train_test_split(np.arange(n), test_size=fraction, random_state=seed)
    for ours, theirs in zip(split_indices(n, fraction, seed), expected, strict=True):
        assert np.array_equal(ours, theirs)


def test_quick_and_limited_splits_are_the_first_rows_of_the_full_ones(monkeypatch):
    use_shared(monkeypatch)
    full, quick = mnist_splits(quick=False), mnist_splits(quick=True)
    limited = mnist_splits(limit=300)
    for part, n in (("train", 5000), ("val", 1000), ("test", 1000)):
        whole = getattr(full, part)
        for cut, size in ((getattr(quick, part), n), (getattr(limited, part), 300)):
            assert len(cut) == size
            assert np.array_equal(cut.x, whole.x[:size]) and np.array_equal(cut.y, whole.y[:size])
            assert np.array_equal(cut.labels, whole.labels[:size])


def mnist_scaled_sums() -> np.ndarray:
    images, _ = load_mnist("train")
    return images.reshape(60000, -1).astype(np.float32).sum(axis=1) / 255


def test_quick_mode_cuts_every_split(monkeypatch):
    use_shared(monkeypatch)
    monkeypatch.setenv("NNSCRATCH_QUICK", "1")
    splits = mnist_splits()
    assert (len(splits.train), len(splits.val), len(splits.test)) == (5000, 1000, 1000)
    monkeypatch.setenv("NNSCRATCH_QUICK", "0")
    assert len(mnist_splits(limit=100).train) == 100


# ---------------------------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------------------------


def test_downloads_into_the_cache_then_reuses_it(mirror, monkeypatch, tmp_path):
    url, served = mirror
    for name in ALL_FILES[2:]:  # the test split
        shutil.copy(SHARED / name, served / name)
    monkeypatch.setattr(data, "MIRRORS", ["http://127.0.0.1:9/", url])  # the first mirror is down
    images, labels = load_mnist("test")
    assert images.shape == (10000, 28, 28) and labels[:3].tolist() == [7, 2, 1]
    cache = tmp_path / "cache"
    assert sorted(p.name for p in cache.iterdir()) == sorted(ALL_FILES[2:])  # no .part files left
    for name in ALL_FILES[2:]:
        (served / name).unlink()  # the mirror goes away: the cache is enough now
    data._load_verified.cache_clear()
    assert load_mnist("test")[0].shape == (10000, 28, 28)


def test_a_truncated_download_is_never_left_under_the_real_name(mirror, monkeypatch, tmp_path):
    url, served = mirror
    name = "t10k-images-idx3-ubyte.gz"
    (served / name).write_bytes((SHARED / name).read_bytes()[:100_000])  # a broken mirror
    monkeypatch.setattr(data, "MIRRORS", [url])
    with pytest.raises(MNISTError) as info:
        load_mnist("test")
    message = str(info.value)
    assert name in message and "truncated" in message and url in message
    assert list((tmp_path / "cache").iterdir()) == []


def test_no_network_and_no_cache_says_what_to_set(tmp_path):
    with pytest.raises(MNISTError) as info:
        load_mnist("train")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz was not found" in message
    assert "NNSCRATCH_DATA" in message and str(tmp_path / "cache") in message
    assert all(name in message for name in ALL_FILES)  # which files are needed
    assert "127.0.0.1:9" in message  # and why the download failed
    assert not any((tmp_path / "cache").glob("*.part"))


def test_files_placed_directly_in_the_data_folder_get_a_hint(monkeypatch, tmp_path):
    folder = tmp_path / "flat"
    folder.mkdir()
    for name in ALL_FILES:
        shutil.copy(SHARED / name, folder / name)
    monkeypatch.setenv(data.DATA_ENV, str(folder))
    with pytest.raises(MNISTError, match="belong in a sub-folder named 'mnist'"):
        load_mnist("test")


# ---------------------------------------------------------------------------------------------
# Damaged files
# ---------------------------------------------------------------------------------------------


def test_truncated_file_is_named(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "d")
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1_000_000])
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "d"))
    with pytest.raises(
        MNISTError, match=r"train-images-idx3-ubyte\.gz is truncated or is not a valid gzip file"
    ) as info:
        load_mnist("train")
    assert str(path) in str(info.value)


def test_not_gzip_is_named(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "d")
    (folder / "t10k-labels-idx1-ubyte.gz").write_text("<html>404 Not Found</html>")
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "d"))
    with pytest.raises(
        MNISTError, match=r"t10k-labels-idx1-ubyte\.gz is truncated or is not a valid gzip file"
    ):
        load_mnist("test")


def test_wrong_magic_number(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "d")
    # the label file given the name of the image file: a plausible mix-up
    shutil.copy(SHARED / "t10k-labels-idx1-ubyte.gz", folder / "t10k-images-idx3-ubyte.gz")
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "d"))
    with pytest.raises(
        MNISTError,
        match=r"t10k-images-idx3-ubyte\.gz does not start with the IDX magic number 2051 "
        r"\(found 2049\)",
    ):
        load_mnist("test")


def test_wrong_shape(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "d")

    def fewer_labels(raw):
        raw[4:8] = (9999).to_bytes(4, "big")
        return raw[:-1]

    rewrite(folder / "t10k-labels-idx1-ubyte.gz", fewer_labels)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "d"))
    with pytest.raises(MNISTError, match=r"has shape \(9999,\), expected \(10000,\)"):
        load_mnist("test")


def test_wrong_checksum(monkeypatch, tmp_path):
    folder = make_data_dir(tmp_path / "d")

    def flip_one_label(raw):
        raw[8] = (raw[8] + 1) % 10
        return raw

    rewrite(folder / "t10k-labels-idx1-ubyte.gz", flip_one_label)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "d"))
    with pytest.raises(
        MNISTError,
        match=r"t10k-labels-idx1-ubyte\.gz has the wrong checksum .* "
        r"expected 27ae3e4e09519cfbb04c329615203637",
    ):
        load_mnist("test")


def test_a_bad_cached_file_is_replaced_when_online(mirror, monkeypatch, tmp_path):
    url, served = mirror
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ALL_FILES[2:]:
        shutil.copy(SHARED / name, cache / name)
        shutil.copy(SHARED / name, served / name)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:5000])
    monkeypatch.setattr(data, "MIRRORS", [url])
    images, _ = load_mnist("test")
    assert images.shape == (10000, 28, 28)
    assert bad.read_bytes() == (SHARED / bad.name).read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == sorted(ALL_FILES[2:])


def test_a_bad_cached_file_offline_names_the_file_and_the_failed_download(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ALL_FILES[2:]:
        shutil.copy(SHARED / name, cache / name)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:5000])
    with pytest.raises(MNISTError) as info:
        load_mnist("test")
    message = str(info.value)
    assert (
        str(bad) in message and "truncated" in message and "A fresh download failed too" in message
    )
