"""Shared fixtures: a tiny IMDB dataset in Keras' format, and settings for it."""

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest

from kernel.config import Config

# A vocabulary small enough to learn in seconds: words that mark a positive
# review, words that mark a negative one, and filler that marks neither.
POSITIVE_WORDS = ["great", "wonderful", "loved", "superb", "brilliant"]
NEGATIVE_WORDS = ["awful", "boring", "hated", "terrible", "worst"]
FILLER_WORDS = [
    "the", "a", "movie", "film", "and", "of", "to", "is", "it", "this",
    "plot", "actor", "scene", "story", "was", "very", "but", "with", "br",
    "cast", "ending", "music", "director", "time", "really",
]  # fmt: skip
# Ranks start at 1 and follow frequency, as in Keras' word index.
WORD_INDEX = {
    word: rank
    for rank, word in enumerate(FILLER_WORDS + POSITIVE_WORDS + NEGATIVE_WORDS, 1)
}
TINY_REVIEWS = 300  # in each split


def make_reviews(count, rng):
    """Reviews as lists of word ranks, and their 0/1 labels, half of each."""
    labels = np.arange(count) % 2
    rng.shuffle(labels)
    reviews = np.empty(count, dtype=object)  # ragged, as in Keras' file
    for position, label in enumerate(labels):
        filler = rng.choice(FILLER_WORDS, size=rng.integers(4, 30)).tolist()
        marker = POSITIVE_WORDS if label else NEGATIVE_WORDS
        filler[rng.integers(len(filler))] = rng.choice(marker)
        filler.append(rng.choice(marker))
        reviews[position] = [WORD_INDEX[word] for word in filler]
    return reviews, labels.astype("int64")


def write_tiny_dataset(folder, seed=0):
    """Writes imdb.npz and imdb_word_index.json as Keras ships them."""
    rng = np.random.default_rng(seed)
    x_train, y_train = make_reviews(TINY_REVIEWS, rng)
    x_test, y_test = make_reviews(TINY_REVIEWS, rng)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / "imdb.npz",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )
    (folder / "imdb_word_index.json").write_text(json.dumps(WORD_INDEX))
    return folder


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
    """A folder with the tiny imdb.npz and its word index."""
    return write_tiny_dataset(tmp_path_factory.mktemp("tiny_imdb"))


def tiny_settings(data_dir, output_dir):
    """Settings that train on the tiny dataset in a few seconds."""
    return Config(
        data=str(data_dir / "imdb.npz"),
        word_index=str(data_dir / "imdb_word_index.json"),
        output_dir=str(output_dir),
        num_words=len(WORD_INDEX) + 3,
        num_reviews=TINY_REVIEWS,
        max_review_words=20,
        train_reviews=200,
        val_reviews=100,
        embedding_dim=8,
        lstm_units=8,
        epochs=3,
        batch_size=16,
        learning_rate=0.01,
        example_reviews=3,
    )


@pytest.fixture
def tiny_config(tiny_data_dir, tmp_path):
    """Settings for the tiny dataset, writing into this test's folder."""
    return tiny_settings(tiny_data_dir, tmp_path / "output")


def config_flags(config):
    """The command-line flags that reproduce `config`."""
    flags = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if value == field.default:
            continue
        name = "--" + field.name.replace("_", "-")
        flags += [name] if value is True else [name, str(value)]
    return flags


@pytest.fixture(autouse=True)
def isolated_keras_home(tmp_path, monkeypatch):
    """Keeps tests away from the user's Keras cache, and from the network."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


@pytest.fixture(scope="session")
def real_data_dir():
    """The folder named by IMDB_DATA_DIR with the real files, or a skip."""
    folder = os.environ.get("IMDB_DATA_DIR")
    if not folder or not (Path(folder) / "imdb.npz").is_file():
        pytest.skip("set IMDB_DATA_DIR to a folder holding the real imdb.npz")
    return Path(folder)
