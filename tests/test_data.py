import dataclasses

import keras
import numpy as np
import pytest
from keras.src.datasets import imdb as keras_imdb

from kernel import data
from kernel.config import Config


@pytest.mark.parametrize("num_words", [10, 20, 100], ids=["10", "20", "all"])
def test_loader_equals_keras_load_data(tiny_data_dir, monkeypatch, num_words):
    path = tiny_data_dir / "imdb.npz"
    # Point Keras' downloader at the tiny file, as if it had just fetched it.
    monkeypatch.setattr(keras_imdb, "get_file", lambda **kwargs: str(path))
    (keras_x_train, keras_y_train), (keras_x_test, keras_y_test) = (
        keras.datasets.imdb.load_data(num_words=num_words)
    )
    (x_train, y_train), (x_test, y_test) = data.load_imdb(path, num_words)
    assert x_train == [list(review) for review in keras_x_train]
    assert x_test == [list(review) for review in keras_x_test]
    np.testing.assert_array_equal(y_train, keras_y_train)
    np.testing.assert_array_equal(y_test, keras_y_test)


def test_loader_marks_start_offsets_ranks_and_caps_the_vocabulary(tmp_path):
    reviews = np.empty(2, dtype=object)
    reviews[0], reviews[1] = [1, 2, 7], [4]
    np.savez(
        tmp_path / "imdb.npz",
        x_train=reviews,
        y_train=np.array([1, 0]),
        x_test=reviews,
        y_test=np.array([1, 0]),
    )
    (x_train, _), _ = data.load_imdb(tmp_path / "imdb.npz", num_words=8)
    # Rank r becomes r + 3; ranks 7 (index 10) and 4 (index 7)... 10 >= 8 is
    # out of vocabulary. The shuffle with seed 113 puts [4] first here.
    assert sorted(x_train) == [[1, 4, 5, 2], [1, 7]]


def test_padding_keeps_the_last_words_and_pads_in_front():
    padded = data.pad_reviews([[1, 5, 6, 7, 8], [1, 9]], max_review_words=3)
    np.testing.assert_array_equal(padded, [[6, 7, 8], [0, 1, 9]])
    assert padded.dtype == np.int32


def test_splits_have_the_requested_sizes_and_do_not_overlap(tiny_config):
    train, test = data.load_imdb(tiny_config.data, tiny_config.num_words)
    config = dataclasses.replace(tiny_config, train_reviews=150, val_reviews=120)
    splits = data.split_reviews(train, test, config)
    assert splits.x_train.shape == (150, 20)
    assert splits.x_val.shape == (120, 20)
    assert splits.x_test.shape == (300, 20)
    assert (len(splits.y_train), len(splits.y_val), len(splits.y_test)) == (
        150,
        120,
        300,
    )
    # The validation reviews are the ones right after the training reviews.
    expected_val = data.pad_reviews(train[0][150:270], 20)
    np.testing.assert_array_equal(splits.x_val, expected_val)
    np.testing.assert_array_equal(splits.x_train, data.pad_reviews(train[0][:150], 20))


def test_asking_for_more_reviews_than_the_file_holds_is_refused(tiny_config):
    train, test = data.load_imdb(tiny_config.data, tiny_config.num_words)
    config = dataclasses.replace(Config(), num_reviews=301, train_reviews=200)
    with pytest.raises(data.DataError, match="the data holds only 300 training"):
        data.split_reviews(train, test, config)


def test_data_is_found_in_an_attached_kaggle_dataset(tmp_path, monkeypatch):
    attached = tmp_path / "input" / "someones-imdb" / "files"
    attached.mkdir(parents=True)
    (attached / "imdb.npz").write_bytes(b"x")
    monkeypatch.setattr(data, "KAGGLE_INPUT", tmp_path / "input")
    assert data.find_file("imdb.npz") == attached / "imdb.npz"


def test_data_is_found_in_keras_cache(tmp_path, monkeypatch):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "imdb.npz").write_bytes(b"x")
    monkeypatch.setattr(data, "KAGGLE_INPUT", tmp_path / "no-kaggle")
    assert data.find_file("imdb.npz") == cache / "imdb.npz"


def test_offline_without_data_names_the_three_ways(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "KAGGLE_INPUT", tmp_path / "no-kaggle")

    def offline(**kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(data.DataError) as refused:
        data.locate("imdb.npz", "", "data")
    message = str(refused.value)
    assert "could not find or download imdb.npz" in message
    assert "--data path/to/imdb.npz" in message
    assert "attach a dataset holding imdb.npz" in message
    assert "put it in Keras' cache" in message
