"""IMDB reviews: find the files, read them safely, encode, pad and split them.

A review is a list of word indices. The conventions are Keras' own
(`keras.datasets.imdb`), and this module is the one place that defines them:

- 0 pads a review to its fixed length;
- 1 marks the start of a review;
- 2 stands for a word outside the vocabulary (or unknown to the word index);
- the word of frequency rank r (1 is the most frequent) has index r + 3.

With a vocabulary of `num_words`, indices run from 0 to `num_words - 1`.
"""

import dataclasses
import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import keras
import numpy as np

from kernel.config import InputError

PADDING = 0
START = 1
OUT_OF_VOCABULARY = 2
INDEX_OFFSET = 3

# What a decoded review shows for index 2. It is no word of the index and no
# character that `split_words` removes, so encoding it gives 2 again.
UNKNOWN_WORD = "\N{DOUBLE QUESTION MARK}"

# The characters Keras' text tokenizer removes by default; the IMDB word index
# was built with them, so a review typed by a user must be split the same way.
FILTERED_CHARACTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

# keras.datasets.imdb.load_data shuffles both splits with this seed.
KERAS_SHUFFLE_SEED = 113

DATASET_FILE = "imdb.npz"
WORD_INDEX_FILE = "imdb_word_index.json"
DOWNLOAD_ROOT = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# The hashes Keras pins for its downloads. Keras deletes a cached file whose
# bytes differ, so local files are read directly and never handed to it.
DOWNLOAD_HASHES = {
    DATASET_FILE: "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    WORD_INDEX_FILE: "bfafd718b763782e994055a2d397834f",
}
KAGGLE_INPUT = Path("/kaggle/input")
SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")

# The only globals a pickled numpy object array needs. Anything else in an
# .npz (os.system, eval, ...) is refused before it can run. numpy 1 wrote
# `numpy.core`, numpy 2 writes `numpy._core`; both name the same function.
SAFE_PICKLE_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy._core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(0))[0],
}
SAFE_PICKLE_GLOBALS[("numpy.core.multiarray", "_reconstruct")] = SAFE_PICKLE_GLOBALS[
    ("numpy._core.multiarray", "_reconstruct")
]


class DataError(InputError):
    """Missing or malformed data, reported as a message without a traceback."""


class ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays of plain Python values, and nothing else."""

    def find_class(self, module, name):
        try:
            return SAFE_PICKLE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused to load {module}.{name}: only numpy arrays are allowed"
            ) from None


@dataclasses.dataclass(frozen=True)
class Splits:
    """Padded reviews (int32, one row each) and their 0/1 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def keras_cache_dir():
    """The folder where Keras keeps its downloads (KERAS_HOME moves it)."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home) / "datasets"


def find_file(name, explicit_path=""):
    """Where to read `name` from, or None when it has to be downloaded.

    Looks at, in order: the path given by the user, any file of that name
    under /kaggle/input (a dataset attached to the kernel), Keras' cache.

    Raises:
        DataError: when the path given by the user is not a readable file.
    """
    if explicit_path:
        path = Path(explicit_path)
        if not path.exists():
            raise DataError(f"{path}: no such file; check the path.")
        if not path.is_file():
            raise DataError(f"{path}: is a folder, expected the {name} file.")
        return path
    if KAGGLE_INPUT.is_dir():
        attached = sorted(KAGGLE_INPUT.rglob(name))
        if attached:
            return attached[0]
    cached = keras_cache_dir() / name
    return cached if cached.is_file() else None


def download(name, setting):
    """Downloads `name` with Keras (which checks its hash) and returns the path.

    Raises:
        DataError: when the download fails, naming the three ways to provide
            the file instead.
    """
    try:
        return Path(
            keras.utils.get_file(
                fname=name,
                origin=DOWNLOAD_ROOT + name,
                file_hash=DOWNLOAD_HASHES[name],
            )
        )
    except Exception as error:
        raise DataError(
            f"could not find or download {name} ({error}).\nProvide it in one "
            f"of three ways:\n  1. pass its path: --{setting} path/to/{name}\n"
            f"  2. on Kaggle, attach a dataset holding {name} (it is found "
            f"under {KAGGLE_INPUT})\n  3. put it in Keras' cache, "
            f"{keras_cache_dir()}, or run once with internet access"
        ) from None


def locate(name, explicit_path, setting):
    """The path of `name`: found locally, else downloaded."""
    return find_file(name, explicit_path) or download(name, setting)


def read_npz(path):
    """Reads an IMDB .npz without running any code stored in it.

    Returns:
        A dict with the four splits: `x_*` as lists of index lists, `y_*` as
        int arrays of 0/1 labels.

    Raises:
        DataError: naming the file, and the key and first bad item if any.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; download it again.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {Path(member).stem: member for member in archive.namelist()}
            missing = [key for key in SPLIT_KEYS if key not in members]
            if missing:
                raise DataError(
                    f"{path}: missing {', '.join(missing)}; found "
                    f"{', '.join(sorted(members)) or 'nothing'}. An IMDB .npz "
                    f"holds {', '.join(SPLIT_KEYS)}."
                )
            arrays = {key: read_member(archive, members[key]) for key in SPLIT_KEYS}
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataError(
            f"{path}: not a readable .npz archive ({error}); the file may be "
            "truncated, download it again."
        ) from None
    for split in ("train", "test"):
        reviews = check_reviews(path, f"x_{split}", arrays[f"x_{split}"])
        labels = check_labels(path, f"y_{split}", arrays[f"y_{split}"])
        if len(reviews) != len(labels):
            raise DataError(
                f"{path}: x_{split} holds {len(reviews):,} reviews but "
                f"y_{split} {len(labels):,} labels; they must match."
            )
        arrays[f"x_{split}"], arrays[f"y_{split}"] = reviews, labels
    return arrays


def read_member(archive, member):
    """One .npy array from an open archive; object arrays are unpickled safely."""
    stream = io.BytesIO(archive.read(member))
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            _, _, dtype = np.lib.format.read_array_header_2_0(stream)
        if not dtype.hasobject:
            stream.seek(0)
            return np.lib.format.read_array(stream, allow_pickle=False)
        return ArrayOnlyUnpickler(stream).load()
    except (ValueError, pickle.UnpicklingError, EOFError) as error:
        raise DataError(
            f"{archive.filename}: {member} is unreadable: {error}"
        ) from None


def check_reviews(path, key, array):
    """The reviews of `key` as lists of ints, or a DataError naming a bad one."""
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        raise DataError(
            f"{path}: {key} must be a 1-D array of reviews, got "
            f"{type(array).__name__} of shape {getattr(array, 'shape', '?')}."
        )
    for position, review in enumerate(array):
        if not (
            type(review) is list
            and all(type(word) is int and word >= 0 for word in review)
        ):
            raise DataError(
                f"{path}: {key}[{position}] is not a list of non-negative "
                f"integers: {str(review)[:80]}"
            )
    return list(array)


def check_labels(path, key, array):
    """The labels of `key` as an int array, or a DataError naming a bad one."""
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        raise DataError(f"{path}: {key} must be a 1-D array of 0/1 labels.")
    bad = np.flatnonzero(~np.isin(array, (0, 1)))
    if bad.size:
        first = bad[0]
        raise DataError(
            f"{path}: {key}[{first}] is {array[first].item()!r}; labels must be 0 or 1."
        )
    return array.astype("int64")


def load_imdb(path, num_words):
    """The same result as `keras.datasets.imdb.load_data(num_words=...)`.

    Shuffles each split with Keras' seed, adds the start index and the offset
    of 3, and maps words ranked outside the vocabulary to index 2.

    Returns:
        `(x_train, y_train), (x_test, y_test)`, reviews as lists of ints.
    """
    arrays = read_npz(path)
    rng = np.random.RandomState(KERAS_SHUFFLE_SEED)
    splits = []
    for split in ("train", "test"):
        order = np.arange(len(arrays[f"x_{split}"]))
        rng.shuffle(order)
        reviews = [
            [START]
            + [
                rank + INDEX_OFFSET
                if rank + INDEX_OFFSET < num_words
                else OUT_OF_VOCABULARY
                for rank in arrays[f"x_{split}"][i]
            ]
            for i in order
        ]
        splits.append((reviews, arrays[f"y_{split}"][order]))
    return tuple(splits)


def pad_reviews(reviews, max_review_words):
    """Pads with 0 in front, and keeps the last words of longer reviews.

    Both as Keras' `pad_sequences` does by default; the LSTM reads a review
    left to right, so the words it sees last sit next to its output.
    """
    return keras.utils.pad_sequences(
        reviews, maxlen=max_review_words, dtype="int32", value=PADDING
    )


def split_reviews(train, test, config):
    """Padded training, validation and test splits for `config`.

    Training and validation reviews are the first `train_reviews` and the
    next `val_reviews` of the first `num_reviews` of the (shuffled) training
    split, so they never overlap. The whole test split is kept for the end.

    Raises:
        DataError: when the file holds fewer reviews than the config asks for.
    """
    (x_train, y_train), (x_test, y_test) = train, test
    if config.num_reviews > len(x_train):
        raise DataError(
            f"num_reviews is {config.num_reviews:,}, but the data holds only "
            f"{len(x_train):,} training reviews; lower --num-reviews."
        )
    end_train = config.train_reviews
    end_val = end_train + config.val_reviews
    return Splits(
        x_train=pad_reviews(x_train[:end_train], config.max_review_words),
        y_train=y_train[:end_train],
        x_val=pad_reviews(x_train[end_train:end_val], config.max_review_words),
        y_val=y_train[end_train:end_val],
        x_test=pad_reviews(x_test, config.max_review_words),
        y_test=y_test,
    )


def read_word_index(path):
    """Reads the word index: a JSON mapping of words to ranks (1 and up).

    Raises:
        DataError: when the file is not JSON or not such a mapping.
    """
    try:
        word_index = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a readable JSON word index ({error}).") from None
    if not isinstance(word_index, dict) or not word_index:
        raise DataError(f"{path}: expected a JSON object mapping words to ranks.")
    for word, rank in word_index.items():
        if type(rank) is not int or rank < 1:
            raise DataError(
                f"{path}: the rank of {word!r} is {rank!r}; ranks are whole "
                "numbers from 1."
            )
    return word_index


def load_word_index(explicit_path=""):
    """The IMDB word index, from the same places as the data (or Keras)."""
    return read_word_index(locate(WORD_INDEX_FILE, explicit_path, "word-index"))


def split_words(text):
    """Splits text as Keras' tokenizer did: lowercase, drop punctuation.

    Only the space separates words, as in Keras: other whitespace, such as
    the U+0085 that some IMDB reviews contain, is part of a word there too.
    """
    table = str.maketrans(FILTERED_CHARACTERS, " " * len(FILTERED_CHARACTERS))
    return [word for word in text.lower().translate(table).split(" ") if word]


def encode_review(text, word_index, num_words):
    """Word indices of a raw review: the start index, then one per word."""
    indices = [START]
    for word in split_words(text):
        index = word_index.get(word, -INDEX_OFFSET) + INDEX_OFFSET
        indices.append(index if 0 < index < num_words else OUT_OF_VOCABULARY)
    return indices


def decode_review(indices, word_index):
    """The words of a review, skipping padding and start; the inverse of encode."""
    words_by_index = {rank + INDEX_OFFSET: word for word, rank in word_index.items()}
    words_by_index[OUT_OF_VOCABULARY] = UNKNOWN_WORD
    return " ".join(
        words_by_index.get(int(index), UNKNOWN_WORD)
        for index in indices
        if index not in (PADDING, START)
    )
