"""Raw review texts, encoded as the dataset was, scored by a trained model."""

import csv
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import WORD_INDEX, tiny_settings

from kernel import data
from kernel.evaluate import predict_texts
from kernel.main import run
from kernel.predict import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny_model(tiny_data_dir, tmp_path_factory):
    """A model trained by a run on the tiny dataset, and its path."""
    config = tiny_settings(tiny_data_dir, tmp_path_factory.mktemp("trained"))
    assert run(config) == 0
    return Path(config.output_dir) / "model.keras"


def predict(tiny_model, tiny_data_dir, *arguments):
    return main(
        [
            "--model",
            str(tiny_model),
            "--word-index",
            str(tiny_data_dir / "imdb_word_index.json"),
            *arguments,
        ]
    )


def test_known_words_encode_to_their_rank_plus_three():
    word_index = {"the": 1, "movie": 2, "great": 3}
    assert data.encode_review("The movie, GREAT!", word_index, num_words=10) == [
        1,
        4,
        5,
        6,
    ]


def test_words_outside_the_index_or_the_vocabulary_are_out_of_vocabulary():
    word_index = {"the": 1, "movie": 2, "great": 3}
    # "great" has index 6, outside a vocabulary of 6 indices (0-5).
    assert data.encode_review("the great zombie movie", word_index, 6) == [
        1,
        4,
        2,
        2,
        5,
    ]


def test_text_is_split_as_keras_tokenizer_splits_it():
    assert data.split_words("It's GREAT!!! 10/10 -- <br />loved\tit") == [
        "it's",
        "great",
        "10",
        "10",
        "br",
        "loved",
        "it",
    ]


def test_decode_then_encode_gives_the_dataset_reviews_back(tiny_data_dir):
    word_index = data.read_word_index(tiny_data_dir / "imdb_word_index.json")
    for num_words in (10, 30, len(WORD_INDEX) + 3):
        (reviews, _), _ = data.load_imdb(tiny_data_dir / "imdb.npz", num_words)
        for review in reviews:
            text = data.decode_review(review, word_index)
            assert data.encode_review(text, word_index, num_words) == review


@pytest.mark.real_data
def test_decode_then_encode_on_the_real_reviews(real_data_dir):
    word_index = data.read_word_index(real_data_dir / "imdb_word_index.json")
    (reviews, _), _ = data.load_imdb(real_data_dir / "imdb.npz", 20_000)
    for review in reviews[:2_000]:
        text = data.decode_review(review, word_index)
        assert data.encode_review(text, word_index, 20_000) == review


def test_the_cli_scores_each_text_in_order(tiny_model, tiny_data_dir, capsys):
    texts = ["a great superb movie", "an awful boring film", "the plot"]
    assert predict(tiny_model, tiny_data_dir, *texts) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in lines] == ["movie", "film", "plot"]
    probabilities = [float(line.split()[0]) for line in lines]
    assert all(0 <= probability <= 1 for probability in probabilities)
    assert probabilities[0] > 0.5 > probabilities[1]
    assert lines[0].split()[1] == "positive" and lines[1].split()[1] == "negative"


@pytest.mark.parametrize(
    "text",
    ["", "?!... ---", "Ein großartiger Film, très bien 映画", "great " * 500],
    ids=["empty", "only-punctuation", "non-ascii", "longer-than-the-limit"],
)
def test_unusual_texts_still_get_a_probability(tiny_model, text):
    model = keras.models.load_model(tiny_model)
    probability = predict_texts(model, [text], WORD_INDEX)
    assert probability.shape == (1,)
    assert 0 <= probability[0] <= 1


def test_a_long_review_is_judged_by_its_last_words(tiny_model):
    model = keras.models.load_model(tiny_model)
    ending_well = "awful " * 100 + "the movie " * 5 + "great superb"
    ending_badly = "great " * 100 + "the movie " * 5 + "awful worst"
    positive, negative = predict_texts(model, [ending_well, ending_badly], WORD_INDEX)
    assert positive > 0.5 > negative


def test_input_files_and_csv_output_keep_the_order(tiny_model, tiny_data_dir, tmp_path):
    lines = tmp_path / "reviews.txt"
    lines.write_text("a great movie\n\nawful film\n")
    table = tmp_path / "reviews.csv"
    with table.open("w", newline="") as file:
        csv.writer(file).writerows(
            [["id", "review"], [1, "superb, loved it"], [2, 'worst, "hated" it']]
        )
    output = tmp_path / "scored.csv"
    for source, expected in [
        (lines, ["a great movie", "awful film"]),
        (table, ["superb, loved it", 'worst, "hated" it']),
    ]:
        assert (
            predict(tiny_model, tiny_data_dir, "--input", str(source), "--output",
                    str(output))
            == 0
        )  # fmt: skip
        with output.open() as file:
            rows = list(csv.DictReader(file))
        assert [row["review"] for row in rows] == expected
        assert [row["label"] for row in rows] == ["positive", "negative"]
        assert all(0 <= float(row["probability"]) <= 1 for row in rows)


def test_a_csv_without_a_review_column_is_refused(
    tiny_model, tiny_data_dir, tmp_path, capsys
):
    table = tmp_path / "reviews.csv"
    table.write_text("id,text\n1,great\n")
    assert predict(tiny_model, tiny_data_dir, "--input", str(table)) == 1
    assert "no 'review' column (found id, text)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path, "no such model file; train one with `make run`"),
        (lambda path: path.write_text("weights") and path, "not a Keras model"),
    ],
    ids=["missing", "not-a-model"],
)
def test_a_bad_model_file_gives_a_clear_error(
    tiny_data_dir, tmp_path, capsys, make, message
):
    path = make(tmp_path / "model.keras")
    status = main(
        [
            "--model",
            str(path),
            "--word-index",
            str(tiny_data_dir / "imdb_word_index.json"),
            "a text",
        ]
    )
    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {path}: ")
    assert message in error


def test_python_dash_m_kernel_predict(tiny_model, tiny_data_dir):
    completed = subprocess.run(
        [sys.executable, "-m", "kernel.predict", "--model", str(tiny_model),
         "--word-index", str(tiny_data_dir / "imdb_word_index.json"),
         "loved it, superb"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    probability, label, text = completed.stdout.split(maxsplit=2)
    assert 0.5 < float(probability) <= 1
    assert (label, text.strip()) == ("positive", "loved it, superb")


def test_the_predictions_match_the_model_on_encoded_reviews(tiny_model):
    model = keras.models.load_model(tiny_model)
    text = "the movie was great"
    encoded = data.pad_reviews(
        [data.encode_review(text, WORD_INDEX, len(WORD_INDEX) + 3)], 20
    )
    direct = model.predict(encoded, verbose=0).reshape(-1)
    np.testing.assert_allclose(predict_texts(model, [text], WORD_INDEX), direct)
