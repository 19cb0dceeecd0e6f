"""Score raw review texts with a trained model: `python -m kernel.predict`.

    python -m kernel.predict --model output/model.keras "A superb film." ...
    python -m kernel.predict --model output/model.keras --input reviews.csv \\
        --output scored.csv

Texts are encoded exactly as the IMDB reviews were (see kernel.data), with
the vocabulary size and review length read from the model.
"""

import argparse
import csv
import sys
import zipfile
from pathlib import Path

import keras

from kernel.config import InputError
from kernel.data import load_word_index
from kernel.evaluate import predict_texts, sentiment
from kernel.report import write_csv


def parse_args(argv=None):
    """Reads the command line of the prediction tool."""
    parser = argparse.ArgumentParser(
        prog="python -m kernel.predict",
        description="Predict the sentiment of review texts with a trained model.",
        allow_abbrev=False,
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="reviews to score")
    parser.add_argument(
        "--model", required=True, help="a model saved by a run, e.g. model.keras"
    )
    parser.add_argument(
        "--input",
        help="a text file with one review per line (blank lines skipped), "
        "or a .csv file with a 'review' column",
    )
    parser.add_argument(
        "--output", help="write a CSV: review, probability, label, in input order"
    )
    parser.add_argument(
        "--word-index",
        default="",
        help="path to imdb_word_index.json; empty searches Kaggle, Keras' cache",
    )
    arguments = parser.parse_args(argv)
    if not arguments.texts and not arguments.input:
        parser.error("give review texts, or --input FILE")
    return arguments


def read_reviews(path):
    """Review texts from a .csv file's 'review' column, or one per line.

    Raises:
        InputError: when the file is missing or a CSV has no 'review' column.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as file:
            if path.suffix.lower() != ".csv":
                return [line.rstrip("\n") for line in file if line.strip()]
            rows = csv.DictReader(file)
            if "review" not in (rows.fieldnames or []):
                raise InputError(
                    f"{path}: no 'review' column (found "
                    f"{', '.join(rows.fieldnames or []) or 'no header'}); name "
                    "the column of texts 'review'."
                )
            return [row["review"] or "" for row in rows]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the reviews ({error}).") from None


def load_model(path):
    """Loads a model saved by a run.

    Raises:
        InputError: when the file is missing or not a Keras model.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such model file; train one with `make run`.")
    try:
        return keras.models.load_model(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputError(
            f"{path}: not a Keras model saved by a run ({error})."
        ) from None


def write_predictions(rows, path):
    """Writes one CSV row per review, or says why the file cannot be written."""
    try:
        write_csv(["review", "probability", "label"], rows, path)
    except OSError as error:
        raise InputError(f"{path}: cannot write ({error.strerror}).") from None


def main(argv=None):
    """Prints, and optionally writes, the sentiment of each review."""
    arguments = parse_args(argv)
    try:
        texts = list(arguments.texts)
        if arguments.input:
            texts += read_reviews(arguments.input)
        if not texts:
            raise InputError(f"{arguments.input}: holds no reviews.")
        model = load_model(arguments.model)
        word_index = load_word_index(arguments.word_index)
        probabilities = predict_texts(model, texts, word_index)
        rows = [
            [text, f"{probability:.4f}", sentiment(probability)]
            for text, probability in zip(texts, probabilities, strict=True)
        ]
        if arguments.output:
            write_predictions(rows, arguments.output)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for text, probability, label in rows:
        shown = text if len(text) <= 70 else text[:67] + "..."
        print(f"{probability}  {label:<8}  {shown}")
    if arguments.output:
        print(f"Wrote {len(rows)} predictions to {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
