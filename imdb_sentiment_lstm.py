"""An LSTM that learns the sentiment of IMDB movie reviews, run as a Kaggle kernel.

The modules build on each other in this order, and import only from earlier
ones: config, data, model, train, evaluate, report, main.

This file is generated from the kernel/ package and must not be
edited by hand: change kernel/, then generate it again with

    make bundle    (or: python scripts/bundle.py)

A copy forked on Kaggle is yours to edit. Each section below is one
module of the package, after the modules it imports:

    Setup            kernel/__init__.py
    Settings         kernel/config.py
    Load data        kernel/data.py
    Build the model  kernel/model.py
    Train            kernel/train.py
    Evaluate         kernel/evaluate.py
    Report           kernel/report.py
    Run              kernel/main.py
    Entry point      kernel/__main__.py

The settings are the `Config` class near the top. The flags are the same
as `python -m kernel`'s; to list them, run

    python imdb_sentiment_lstm.py --help
"""

import argparse
import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import pickle
import platform
import signal
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

# --- Setup (kernel/__init__.py) ---
# Keras must run on TensorFlow here (tf.data, tf.distribute). TensorFlow's C++
# notices would bury the first lines of the log; its errors still reach Python
# as exceptions.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from matplotlib.figure import Figure

# --- Settings (kernel/config.py) ---
"""Settings of a run: one flat, frozen object, its presets and its command line.

Every number the run uses is a field of `Config`. A preset names a set of
field values; flags given on the command line override the preset. All values
are checked by `validate` before any data is loaded, so a typo fails in a
second instead of after a download.
"""


class InputError(ValueError):
    """Bad input from the user, reported as a plain message without a traceback."""


def setting(default, help):
    """A `Config` field with its one-line description, shown by `--help`."""
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a run needs to know; edit the defaults here to change a run."""

    preset: str = setting("seed", "named recipe whose values the flags start from")
    seed: int = setting(42, "random seed for weights, shuffling and dropout")
    data: str = setting("", "path to imdb.npz; empty searches Kaggle, Keras' cache")
    word_index: str = setting("", "path to imdb_word_index.json; empty searches")
    output_dir: str = setting("", "where outputs go; empty: /kaggle/working or output")
    overwrite: bool = setting(False, "replace the outputs of an earlier run")
    num_words: int = setting(20_000, "vocabulary: most frequent words kept")
    num_reviews: int = setting(20_000, "reviews taken from the training split")
    max_review_words: int = setting(150, "words kept per review, the last ones")
    train_reviews: int = setting(15_000, "reviews to train on, the first ones")
    val_reviews: int = setting(5_000, "reviews to validate on, the next ones")
    embedding_dim: int = setting(32, "size of each word's learned vector")
    conv_filters: int = setting(0, "convolution filters before the LSTM; 0: none")
    conv_width: int = setting(5, "words each convolution filter reads at once")
    conv_pool: int = setting(5, "positions merged into one after the convolution")
    lstm_units: int = setting(100, "size of the LSTM's hidden state")
    bidirectional: bool = setting(False, "also read each review from its end")
    pooling: str = setting("last", "review summary: last LSTM state, or max over all")
    dropout: float = setting(0.0, "share of word vectors and features dropped")
    epochs: int = setting(10, "most passes over the training reviews")
    patience: int = setting(2, "epochs without a lower validation loss to stop")
    batch_size: int = setting(32, "reviews per training step")
    learning_rate: float = setting(1e-3, "Adam's step size")
    lr_schedule: str = setting(
        "constant", "step size over the epochs: constant, or cosine decay to 0"
    )
    mixed_precision: str = setting(
        "auto", "float16 math: auto (on recent GPUs), on, off"
    )
    example_reviews: int = setting(5, "decoded test reviews shown with predictions")
    sample_reviews: tuple = setting(
        (
            "A wonderful film with a moving story and superb acting.",
            "Dull, predictable and far too long. I want my two hours back.",
            "Not the best I have seen, but the cast makes it worth a watch.",
        ),
        "your own reviews, scored by the trained model at the end of a run",
    )


# Each preset overrides some defaults; flags override the preset. The
# measured speed and accuracy of each are in benchmarks/RESULTS.md.
PRESETS = {
    # The original recipe, unchanged.
    "seed": {},
    # A convolution over each 5 words, then max pooling over each 5
    # positions, so the LSTM reads 30 steps instead of 150: the recurrence,
    # which cannot run in parallel over a review, is most of an epoch's cost.
    # The order of keras.io's CNN-LSTM IMDB example; fuller batches and a
    # larger step size suit the shorter, cheaper steps.
    "fast": {
        "conv_filters": 32,
        "conv_width": 5,
        "conv_pool": 5,
        "batch_size": 64,
        "learning_rate": 0.003,
    },
    # The fast preset's convolution and pooling (64 filters, a step per 4
    # positions), read in both directions; keeps the strongest signal from
    # any position, drops a share of word vectors against overfitting, and
    # lowers the step size along a cosine so the late epochs settle.
    # Measured over three seeds it only ties with "fast" on validation: see
    # "Accuracy under the seed's limits" in README.md.
    "best": {
        "embedding_dim": 64,
        "conv_filters": 64,
        "conv_width": 5,
        "conv_pool": 4,
        "lstm_units": 64,
        "bidirectional": True,
        "pooling": "max",
        "dropout": 0.4,
        "batch_size": 64,
        "learning_rate": 0.002,
        "lr_schedule": "cosine",
        "epochs": 8,
        "patience": 3,
    },
}

# Smallest allowed value of each numeric setting, with why where it is not 1.
MINIMUMS = {
    # Indices 0, 1 and 2 are reserved (see kernel.data), so a vocabulary
    # needs at least one index more to hold any word.
    "num_words": 4,
    "num_reviews": 2,
    "max_review_words": 1,
    "train_reviews": 1,
    "val_reviews": 1,
    "embedding_dim": 1,
    "conv_filters": 0,
    "conv_width": 1,
    "conv_pool": 1,
    "lstm_units": 1,
    "epochs": 1,
    "patience": 0,
    "batch_size": 1,
    "example_reviews": 0,
}

# The values a setting with a fixed set of choices accepts.
CHOICES = {
    "preset": tuple(PRESETS),
    "pooling": ("last", "max"),
    "mixed_precision": ("auto", "on", "off"),
    "lr_schedule": ("constant", "cosine"),
}

# Keras' IMDB training split holds 25,000 reviews.
MAX_REVIEWS = 25_000


def validate(config):
    """Checks every setting and returns the config unchanged.

    Raises:
        InputError: naming the first wrong setting, the allowed values and
            how to fix it.
    """
    for name, choices in CHOICES.items():
        value = getattr(config, name)
        if value not in choices:
            raise InputError(
                f"{name} must be one of {', '.join(choices)}, got {value!r}; "
                f"set --{flag(name)} to one of them."
            )
    for name, minimum in MINIMUMS.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InputError(
                f"{name} must be a whole number of at least {minimum}, got "
                f"{value!r}; set --{flag(name)} to {minimum} or more."
            )
    if not config.learning_rate > 0:
        raise InputError(
            f"learning_rate must be a number above 0, got "
            f"{config.learning_rate!r}; try --learning-rate 0.001."
        )
    if not (
        isinstance(config.sample_reviews, tuple | list)
        and all(isinstance(text, str) for text in config.sample_reviews)
    ):
        raise InputError(
            "sample_reviews must be a list of review texts, got "
            f'{config.sample_reviews!r}; write them as ("text", "text").'
        )
    if not 0 <= config.dropout < 1:
        raise InputError(
            f"dropout must be at least 0 and below 1, got {config.dropout!r}; "
            "try --dropout 0.3."
        )
    if config.conv_filters and config.conv_pool > config.max_review_words:
        raise InputError(
            f"conv_pool is {config.conv_pool}, more than the "
            f"{config.max_review_words} words of a review, so no position would "
            "be left for the LSTM; lower --conv-pool."
        )
    if config.num_reviews > MAX_REVIEWS:
        raise InputError(
            f"num_reviews is {config.num_reviews:,}, but the training split "
            f"holds {MAX_REVIEWS:,} reviews; lower --num-reviews."
        )
    wanted = config.train_reviews + config.val_reviews
    if wanted > config.num_reviews:
        raise InputError(
            f"train_reviews + val_reviews is {config.train_reviews:,} + "
            f"{config.val_reviews:,} = {wanted:,}, more than the "
            f"{config.num_reviews:,} reviews requested; lower them or raise "
            "--num-reviews."
        )
    return config


def flag(name):
    """The command-line spelling of a setting: `num_words` -> `num-words`."""
    return name.replace("_", "-")


def default_output_dir():
    """Kaggle shows files written to /kaggle/working; elsewhere use ./output."""
    kaggle_working = Path("/kaggle/working")
    return str(kaggle_working) if kaggle_working.is_dir() else "output"


def whole_number(text):
    """An argparse type: a whole number, with a message that says so."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None


def real_number(text):
    """An argparse type: a decimal number, with a message that says so."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def build_parser(description, config_class=Config):
    """An argument parser with one flag per field of `config_class`.

    Flags default to None, so that the caller can tell the settings typed on
    the command line from those left to the preset.
    """
    parser = argparse.ArgumentParser(description=description, allow_abbrev=False)
    for field in dataclasses.fields(config_class):
        option = f"--{flag(field.name)}"
        help_text = f"{field.metadata['help']} (default: {field.default!r})"
        if field.type in (bool, "bool"):
            parser.add_argument(
                option, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif field.type in (tuple, "tuple"):
            parser.add_argument(
                option, type=str, nargs="*", metavar="TEXT", help=help_text
            )
        elif field.name in CHOICES:
            parser.add_argument(option, choices=CHOICES[field.name], help=help_text)
        else:
            kind = {"int": whole_number, "float": real_number}.get(
                getattr(field.type, "__name__", field.type), str
            )
            parser.add_argument(option, type=kind, metavar="VALUE", help=help_text)
    return parser


def parse_args(argv=None, description="Train an LSTM on IMDB reviews."):
    """Reads the command line into a checked `Config`.

    The preset's values replace the defaults first; then every flag given on
    the command line replaces the preset's value.

    Raises:
        InputError: when a value is out of range (see `validate`).
        SystemExit: for an unknown flag or a value of the wrong type, after
            argparse has printed the usage and the valid choices.
    """
    given = vars(build_parser(description).parse_args(argv))
    preset = given.pop("preset") or Config.preset
    config = dataclasses.replace(Config(), preset=preset)
    config = dataclasses.replace(config, **PRESETS.get(preset, {}))
    explicit = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in given.items()
        if value is not None
    }
    return validate(dataclasses.replace(config, **explicit))


def resolve_output_dir(config):
    """The config with its output folder filled in when it was left empty."""
    if config.output_dir:
        return config
    return dataclasses.replace(config, output_dir=default_output_dir())


# --- Load data (kernel/data.py) ---
"""IMDB reviews: find the files, read them safely, encode, pad and split them.

A review is a list of word indices. The conventions are Keras' own
(`keras.datasets.imdb`), and this module is the one place that defines them:

- 0 pads a review to its fixed length;
- 1 marks the start of a review;
- 2 stands for a word outside the vocabulary (or unknown to the word index);
- the word of frequency rank r (1 is the most frequent) has index r + 3.

With a vocabulary of `num_words`, indices run from 0 to `num_words - 1`.
"""

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


# --- Build the model (kernel/model.py) ---
"""The network: word embeddings, an LSTM over the review, one sigmoid output."""


def build_model(config, learning_rate=None, batch_size=None):
    """Builds and compiles the classifier that `config` describes.

    With the seed's settings this is Embedding(20000, 32) -> LSTM(100) ->
    Dense(1, sigmoid): 693,301 trainable parameters. The LSTM keeps Keras'
    defaults (tanh, sigmoid gate, no recurrent dropout, no unrolling) and the
    reviews carry no mask, which is what lets a GPU run it as one fused cuDNN
    kernel.

    Args:
        config: the settings of the run.
        learning_rate: replaces the configured one, for several GPUs.
        batch_size: the global batch, when several GPUs change it; it sets
            how many steps a cosine schedule spans.
    """
    reviews = keras.Input(shape=(config.max_review_words,), dtype="int32")
    words = layers.Embedding(config.num_words, config.embedding_dim)(reviews)
    if config.dropout:
        # Drops whole word vectors, not single numbers, so that a word's
        # neighbours cannot stand in for it.
        words = layers.SpatialDropout1D(config.dropout)(words)
    if config.conv_filters:
        # Phrases of a few words, then one step per `conv_pool` positions:
        # a shorter sequence for the LSTM to walk through.
        words = layers.Conv1D(
            config.conv_filters, config.conv_width, padding="same", activation="relu"
        )(words)
        words = layers.MaxPooling1D(config.conv_pool)(words)
    lstm = layers.LSTM(config.lstm_units, return_sequences=config.pooling == "max")
    if config.bidirectional:
        lstm = layers.Bidirectional(lstm)
    summary = lstm(words)
    if config.pooling == "max":
        # The strongest signal from any position, not only from the end.
        summary = layers.GlobalMaxPooling1D()(summary)
    if config.dropout:
        summary = layers.Dropout(config.dropout)(summary)
    # float32 output: under mixed precision a float16 sigmoid saturates early.
    positive = layers.Dense(1, activation="sigmoid", dtype="float32")(summary)
    model = keras.Model(reviews, positive, name=f"{config.preset}_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=step_size(
                config,
                learning_rate or config.learning_rate,
                batch_size or config.batch_size,
            )
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def step_size(config, learning_rate, batch_size):
    """Adam's learning rate: a number, or a cosine decay over every epoch."""
    if config.lr_schedule == "constant":
        return learning_rate
    steps_per_epoch = math.ceil(config.train_reviews / batch_size)
    return keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=config.epochs * steps_per_epoch
    )


def count_trainable_parameters(model):
    """The number of weights training can change."""
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)


# --- Train (kernel/train.py) ---
"""Training: the input pipeline, the devices, and the fit with early stopping."""


@dataclasses.dataclass
class TrainingResult:
    """What a fit leaves behind besides the model's (best) weights."""

    history: dict  # metric name -> one value per epoch run
    seconds_per_epoch: list
    best_epoch: int  # 1-based; 0 when no epoch finished
    interrupted: bool = False


@dataclasses.dataclass(frozen=True)
class DevicePlan:
    """Where and how to train: the strategy and what it changes in the recipe."""

    strategy: tf.distribute.Strategy
    replicas: int
    mixed_precision: bool
    batch_size: int  # global: the configured batch on each replica
    learning_rate: float  # scaled with the global batch

    def describe(self):
        """One log line about the strategy, precision, batch and rate."""
        precision = "mixed float16" if self.mixed_precision else "float32"
        return (
            f"Strategy: {type(self.strategy).__name__} over {self.replicas} "
            f"replica(s), {precision}, global batch {self.batch_size}, "
            f"learning rate {self.learning_rate:g}"
        )


def plan_devices(config):
    """Mirrors training over all GPUs when there are several.

    Each replica takes a batch of `config.batch_size`, and the learning rate
    grows with the number of replicas: the usual linear scaling rule, which
    keeps each review's share of a step the same as on one device. Mixed
    precision is used where every GPU can compute in float16 quickly (compute
    capability 7.0 or newer, such as the T4), unless the config turns it off.
    """
    gpus = visible_gpus()
    if len(gpus) > 1:
        strategy = tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
    else:
        strategy = tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    mixed = config.mixed_precision == "on" or (
        config.mixed_precision == "auto" and fast_float16()
    )
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    return DevicePlan(
        strategy=strategy,
        replicas=replicas,
        mixed_precision=mixed,
        batch_size=config.batch_size * replicas,
        learning_rate=config.learning_rate * replicas,
    )


def visible_gpus():
    """The GPUs TensorFlow can train on."""
    return tf.config.list_logical_devices("GPU")


def fast_float16():
    """Whether there are GPUs and all of them have float16 tensor cores."""
    capabilities = [
        tf.config.experimental.get_device_details(gpu).get("compute_capability")
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    return bool(capabilities) and all(
        capability is not None and capability >= (7, 0) for capability in capabilities
    )


def describe_devices():
    """The devices TensorFlow will run on, e.g. ['CPU', 'GPU:0 Tesla T4']."""
    names = []
    for device in tf.config.list_physical_devices():
        if device.device_type not in ("CPU", "GPU"):
            continue
        details = tf.config.experimental.get_device_details(device)
        label = device.name.split("device:")[-1]
        names.append(" ".join(filter(None, [label, details.get("device_name")])))
    return names


def make_dataset(reviews, labels, batch_size, shuffle_seed=None):
    """A tf.data pipeline over padded reviews, shuffled when given a seed.

    The arrays are already padded, so each epoch only slices, batches and
    prefetches; the next batch is ready while the current one trains.
    """
    dataset = tf.data.Dataset.from_tensor_slices((reviews, labels)).cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(reviews), seed=shuffle_seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class EpochReport(keras.callbacks.Callback):
    """Prints one line per epoch, times it, and hands each epoch to `on_epoch`."""

    def __init__(self, epochs, on_epoch):
        super().__init__()
        self.epochs = epochs
        self.on_epoch = on_epoch
        self.history = {}
        self.seconds_per_epoch = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds_per_epoch.append(time.perf_counter() - self.started)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))
        print(
            f"epoch {epoch + 1:>2}/{self.epochs}  "
            f"loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}  "
            f"val_loss {logs['val_loss']:.4f}  "
            f"val_accuracy {logs['val_accuracy']:.4f}  "
            f"{self.seconds_per_epoch[-1]:.1f} s",
            flush=True,
        )
        self.on_epoch(self.model, self.history)


def train(model, splits, config, batch_size, on_epoch=lambda model, history: None):
    """Fits `model` and leaves it holding the weights of its best epoch.

    The best epoch is the one with the lowest validation loss; training stops
    after `config.patience` epochs without a new best. `on_epoch(model,
    history)` runs after every epoch, for checkpoints. A KeyboardInterrupt
    (Ctrl-C, or SIGTERM as the entry point sets it up) ends training early
    but still restores the best weights.
    """
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )
    report = EpochReport(config.epochs, on_epoch)
    train_data = make_dataset(
        splits.x_train, splits.y_train, batch_size, shuffle_seed=config.seed
    )
    val_data = make_dataset(splits.x_val, splits.y_val, batch_size)
    interrupted = False
    try:
        model.fit(
            train_data,
            validation_data=val_data,
            epochs=config.epochs,
            callbacks=[early_stopping, report],
            shuffle=False,  # the pipeline shuffles
            verbose=0,
        )
    except KeyboardInterrupt:
        interrupted = True
        if early_stopping.best_weights is not None:
            model.set_weights(early_stopping.best_weights)
    losses = report.history.get("val_loss", [])
    best_epoch = 1 + min(range(len(losses)), key=losses.__getitem__) if losses else 0
    return TrainingResult(
        history=report.history,
        seconds_per_epoch=report.seconds_per_epoch,
        best_epoch=best_epoch,
        interrupted=interrupted,
    )


# --- Evaluate (kernel/evaluate.py) ---
"""Evaluation: probabilities for a split, and its loss, accuracy and confusion."""

# Keras clips probabilities by this much before taking logarithms.
EPSILON = 1e-7


@dataclasses.dataclass(frozen=True)
class Score:
    """How well the probabilities match the labels of one split."""

    loss: float  # mean binary cross-entropy, as Keras computes it
    accuracy: float  # share of reviews on the right side of 0.5
    confusion: np.ndarray  # [[true neg, false pos], [false neg, true pos]]


# Reviews per prediction step: larger than a training batch, since no
# gradients are kept, and the result does not depend on it.
PREDICTION_BATCH = 1024


def predict_probabilities(model, reviews):
    """The model's probability that each padded review is positive."""
    return model.predict(reviews, batch_size=PREDICTION_BATCH, verbose=0).reshape(-1)


def predict_texts(model, texts, word_index):
    """The probability that each raw review text is positive.

    The texts are encoded as the training reviews were, with the vocabulary
    size and review length read from the model itself.
    """
    num_words, max_review_words = input_limits(model)
    reviews = [encode_review(text, word_index, num_words) for text in texts]
    return predict_probabilities(model, pad_reviews(reviews, max_review_words))


def input_limits(model):
    """The vocabulary size and words per review that `model` was built for."""
    embedding = next(layer for layer in model.layers if hasattr(layer, "input_dim"))
    return embedding.input_dim, model.input_shape[1]


def sentiment(probability):
    """The label of a probability: positive above one half."""
    return "positive" if probability > 0.5 else "negative"


def score(labels, probabilities):
    """Scores probabilities against 0/1 labels, with one pass of the model."""
    labels = np.asarray(labels, dtype="int64")
    clipped = np.clip(np.asarray(probabilities, dtype="float64"), EPSILON, 1 - EPSILON)
    loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    predicted = (clipped > 0.5).astype("int64")
    confusion = np.zeros((2, 2), dtype="int64")
    np.add.at(confusion, (labels, predicted), 1)
    return Score(
        loss=float(loss),
        accuracy=float(np.mean(predicted == labels)),
        confusion=confusion,
    )


# --- Report (kernel/report.py) ---
"""Outputs: the model, metrics, history, plots and examples, written safely.

Every file is written to a temporary name in the output folder and renamed
into place, so a run killed mid-write leaves the previous file whole; a run
stopped by Ctrl-C or SIGTERM finishes the file it is writing first.
"""

MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
CURVES_FILE = "training_curves.png"
CONFUSION_FILE = "confusion_matrix.png"
EXAMPLES_FILE = "test_examples.csv"
OUTPUT_FILES = (
    MODEL_FILE,
    METRICS_FILE,
    HISTORY_FILE,
    CURVES_FILE,
    CONFUSION_FILE,
    EXAMPLES_FILE,
)


class OutputError(InputError):
    """An output folder that cannot take this run's files."""


def prepare_output_dir(output_dir, overwrite):
    """Creates the output folder and checks that it can take a new run.

    Raises:
        OutputError: when the path is a file or not writable, or when it
            holds an earlier run's files and `overwrite` is off.
    """
    folder = Path(output_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{folder} is a file, not a folder; pass another --output-dir."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputError(
            f"cannot write to {folder} ({error.strerror}); pass a writable "
            "--output-dir."
        ) from None
    earlier = earlier_outputs(folder)
    if earlier and not overwrite:
        raise OutputError(
            f"{folder} already holds an earlier run ({', '.join(earlier)}); "
            "pass --overwrite to replace it, or another --output-dir."
        )
    return folder


def earlier_outputs(folder):
    """The names of the output files already in `folder`."""
    return [name for name in OUTPUT_FILES if (Path(folder) / name).exists()]


def remove_earlier_outputs(folder):
    """Removes an earlier run's files, so that the folder never mixes two runs.

    Called only once the new run has its data and model, so that a run that
    fails early leaves the earlier outputs in place.
    """
    for name in earlier_outputs(folder):
        (Path(folder) / name).unlink()


# The signals that stop a run: Ctrl-C, and Kaggle stopping a session.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_signals_held():
    """Holds back Ctrl-C and SIGTERM until the block ends, then delivers them.

    Python runs a signal's handler between any two bytecodes of the main
    thread, clean-up code included, so a stop that lands while a file is
    being written could leave a stray temporary file behind. Inside this
    block the stop waits; afterwards it takes effect as it would have.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only ever handled in the main thread
        return
    held = []
    previous = {
        number: signal.signal(number, lambda number, frame: held.append(number))
        for number in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            # None: a handler installed outside Python; the default stands in.
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if held:
            signal.raise_signal(held[0])


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it into place on success.

    A stop signal that arrives meanwhile waits until the file is in place, or
    until the temporary file is gone again.
    """
    path = Path(path)
    with stop_signals_held():
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix
        )
        os.close(handle)
        try:
            yield Path(temporary)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def save_model(model, path):
    """Saves the model in Keras' format, atomically."""
    with atomic_path(path) as temporary:
        model.save(temporary)


def write_json(data, path):
    """Writes `data` as indented JSON, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_csv(header, rows, path):
    """Writes a CSV file with a header row, atomically."""
    with atomic_path(path) as temporary:
        with temporary.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(rows)


def write_history(history, path):
    """One CSV row per epoch: the epoch number, then each metric."""
    names = sorted(history)
    epochs = len(history[names[0]]) if names else 0
    rows = [
        [epoch + 1] + [f"{history[name][epoch]:.6f}" for name in names]
        for epoch in range(epochs)
    ]
    write_csv(["epoch", *names], rows, path)


def checkpoint(model, history, output_dir):
    """After each epoch: the history so far, and the model if it is the best."""
    folder = Path(output_dir)
    write_history(history, folder / HISTORY_FILE)
    losses = history["val_loss"]
    if losses[-1] <= min(losses):
        save_model(model, folder / MODEL_FILE)


def plot_history(history, path):
    """Loss and accuracy per epoch, training beside validation, as a PNG."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    for axes, metric in zip(figure.subplots(1, 2), ("loss", "accuracy"), strict=True):
        axes.plot(epochs, history[metric], "o-", label="training")
        axes.plot(epochs, history[f"val_{metric}"], "o-", label="validation")
        axes.set(title=metric.capitalize(), xlabel="epoch", ylabel=metric)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.grid(alpha=0.3)
        axes.legend()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100)


def plot_confusion(confusion, accuracy, path):
    """The test split's confusion matrix, with counts in each cell, as a PNG."""
    figure = Figure(figsize=(5, 4.5), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=axes)
    classes = ["negative", "positive"]
    axes.set(
        xticks=[0, 1],
        yticks=[0, 1],
        xticklabels=classes,
        yticklabels=classes,
        xlabel="predicted",
        ylabel="true",
        title=f"Test split, accuracy {accuracy:.4f}",
    )
    threshold = confusion.max() / 2
    for (row, column), count in np.ndenumerate(confusion):
        color = "white" if count > threshold else "black"
        axes.text(column, row, f"{count:,}", ha="center", va="center", color=color)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100)


def format_table(rows):
    """Aligned text columns; the first row is the header."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


# --- Run (kernel/main.py) ---
"""The run from end to end: settings, data, model, training, evaluation, report."""

# Exit status of a run stopped by Ctrl-C or SIGTERM, as shells report it.
INTERRUPTED = 130


def versions():
    """The versions that decide what a run computes."""
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def print_settings(config):
    """Prints every resolved setting once, one per line."""
    print("Settings:")
    for name, value in dataclasses.asdict(config).items():
        print(f"  {name:<17} {value!r}")


def optional_word_index(config):
    """The word index, or None with a note: a run needs it only for text."""
    try:
        return load_word_index(config.word_index)
    except DataError as error:
        print(f"No word index, so reviews are shown as word indices: {error}")
        return None


def example_rows(reviews, labels, probabilities, word_index):
    """Test reviews as the model saw them, with label and prediction."""
    rows = []
    for review, label, probability in zip(reviews, labels, probabilities, strict=True):
        if word_index is None:
            text = " ".join(str(index) for index in review if index)
        else:
            text = decode_review(review, word_index)
        rows.append([text, int(label), f"{probability:.4f}"])
    return rows


def keep_interrupted_run(model, result, output_dir):
    """Saves what a stopped training has, says where, and returns the status.

    The stop can land between an epoch's end and its checkpoint, so the best
    weights, which the model holds again, are saved once more here.
    """
    if not result.best_epoch:
        print(
            "Interrupted before the first epoch ended; nothing was saved.",
            file=sys.stderr,
        )
        return INTERRUPTED
    model_path = output_dir / MODEL_FILE
    history_path = output_dir / HISTORY_FILE
    save_model(model, model_path)
    write_history(result.history, history_path)
    print(
        f"Interrupted after {len(result.seconds_per_epoch)} epochs. The best "
        f"model so far (epoch {result.best_epoch}) and the history are in "
        f"{model_path} and {history_path}.",
        file=sys.stderr,
    )
    return INTERRUPTED


def run(config):
    """Trains, evaluates and reports one run; returns the exit status."""
    started = time.perf_counter()
    output_dir = prepare_output_dir(config.output_dir, config.overwrite)

    # Setup: versions, devices and settings, so every log is self-explaining.
    print(" ".join(f"{name} {version}" for name, version in versions().items()))
    print(f"Devices: {', '.join(describe_devices())}")
    print_settings(config)
    keras.utils.set_random_seed(config.seed)

    # Load data: the first reviews of Keras' shuffled training split.
    data_path = locate(DATASET_FILE, config.data, "data")
    print(f"Reading {data_path}")
    splits = split_reviews(*load_imdb(data_path, config.num_words), config)
    print(
        f"Reviews: {len(splits.y_train):,} training, {len(splits.y_val):,} "
        f"validation, {len(splits.y_test):,} test, "
        f"{config.max_review_words} words each"
    )

    # Build the model, on every GPU when there are several.
    plan = plan_devices(config)
    print(plan.describe())
    with plan.strategy.scope():
        model = build_model(
            config, learning_rate=plan.learning_rate, batch_size=plan.batch_size
        )
    model.summary()
    parameters = count_trainable_parameters(model)
    print(f"Trainable parameters: {parameters:,}")

    # Train, saving the history and the best model after every epoch.
    if earlier_outputs(output_dir):
        print(f"Replacing the earlier run's outputs in {output_dir}")
        remove_earlier_outputs(output_dir)
    result = train(
        model,
        splits,
        config,
        batch_size=plan.batch_size,
        on_epoch=lambda model, history: checkpoint(model, history, output_dir),
    )
    if result.interrupted:
        return keep_interrupted_run(model, result, output_dir)
    print(f"Best epoch: {result.best_epoch} of {len(result.seconds_per_epoch)}")

    # Evaluate the best weights on validation and, only now, the test split.
    probabilities, scores = {}, {}
    for name, reviews, labels in (
        ("validation", splits.x_val, splits.y_val),
        ("test", splits.x_test, splits.y_test),
    ):
        probabilities[name] = predict_probabilities(model, reviews)
        scores[name] = score(labels, probabilities[name])

    # Report: metrics, curves, confusion matrix and a few decoded reviews.
    seconds = time.perf_counter() - started
    metrics = {
        "validation": {
            "accuracy": scores["validation"].accuracy,
            "loss": scores["validation"].loss,
            "reviews": len(splits.y_val),
        },
        "test": {
            "accuracy": scores["test"].accuracy,
            "loss": scores["test"].loss,
            "reviews": len(splits.y_test),
        },
        "trainable_parameters": parameters,
        "epochs_run": len(result.seconds_per_epoch),
        "best_epoch": result.best_epoch,
        "seconds_per_epoch": [round(s, 3) for s in result.seconds_per_epoch],
        "total_seconds": round(seconds, 3),
        "config": dataclasses.asdict(config),
        "versions": versions(),
        "devices": describe_devices(),
        "strategy": plan.describe(),
    }
    write_json(metrics, output_dir / METRICS_FILE)
    plot_history(result.history, output_dir / CURVES_FILE)
    plot_confusion(
        scores["test"].confusion,
        scores["test"].accuracy,
        output_dir / CONFUSION_FILE,
    )
    word_index = optional_word_index(config)
    count = config.example_reviews
    rows = example_rows(
        splits.x_test[:count],
        splits.y_test[:count],
        probabilities["test"][:count],
        word_index,
    )
    write_csv(["review", "label", "probability"], rows, output_dir / EXAMPLES_FILE)
    print(f"Test reviews, first {len(rows)}:")
    for text, label, probability in rows:
        print(f"  label {label}  predicted {probability}  {text[:80]}...")
    if word_index is not None and config.sample_reviews:
        print("Your reviews:")
        texts = config.sample_reviews
        for text, probability in zip(
            texts, predict_texts(model, texts, word_index), strict=True
        ):
            print(f"  {probability:.4f} {sentiment(probability):<8}  {text}")

    print(
        format_table(
            [
                ["split", "reviews", "loss", "accuracy"],
                *[
                    [
                        name,
                        f"{metrics[name]['reviews']:,}",
                        f"{s.loss:.4f}",
                        f"{s.accuracy:.4f}",
                    ]
                    for name, s in scores.items()
                ],
            ]
        )
    )
    print(f"Trainable parameters: {parameters:,}")
    print(f"Outputs in {Path(output_dir).resolve()}")
    print(f"Total time: {time.perf_counter() - started:.1f} s")
    return 0


def interrupt(signum, frame):
    """Stops the run as Ctrl-C does; Kaggle stops a session with SIGTERM."""
    raise KeyboardInterrupt


def main(argv=None):
    """Runs the kernel from the command line; returns the exit status."""
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        return run(resolve_output_dir(parse_args(argv)))
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Training handles its own stop; this is one before or after it.
        print("Interrupted; the files already written are complete.", file=sys.stderr)
        return INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


# --- Entry point (kernel/__main__.py) ---
if __name__ == "__main__":
    sys.exit(main())
