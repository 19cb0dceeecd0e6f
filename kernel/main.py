"""The run from end to end: settings, data, model, training, evaluation, report."""

import dataclasses
import platform
import signal
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kernel import report
from kernel.config import InputError, parse_args, resolve_output_dir
from kernel.data import (
    DATASET_FILE,
    DataError,
    decode_review,
    load_imdb,
    load_word_index,
    locate,
    split_reviews,
)
from kernel.evaluate import predict_probabilities, predict_texts, score, sentiment
from kernel.model import build_model, count_trainable_parameters
from kernel.train import describe_devices, plan_devices, train

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
    model_path = output_dir / report.MODEL_FILE
    history_path = output_dir / report.HISTORY_FILE
    report.save_model(model, model_path)
    report.write_history(result.history, history_path)
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
    output_dir = report.prepare_output_dir(config.output_dir, config.overwrite)

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
    if report.earlier_outputs(output_dir):
        print(f"Replacing the earlier run's outputs in {output_dir}")
        report.remove_earlier_outputs(output_dir)
    result = train(
        model,
        splits,
        config,
        batch_size=plan.batch_size,
        on_epoch=lambda model, history: report.checkpoint(model, history, output_dir),
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
    report.write_json(metrics, output_dir / report.METRICS_FILE)
    report.plot_history(result.history, output_dir / report.CURVES_FILE)
    report.plot_confusion(
        scores["test"].confusion,
        scores["test"].accuracy,
        output_dir / report.CONFUSION_FILE,
    )
    word_index = optional_word_index(config)
    count = config.example_reviews
    rows = example_rows(
        splits.x_test[:count],
        splits.y_test[:count],
        probabilities["test"][:count],
        word_index,
    )
    report.write_csv(
        ["review", "label", "probability"], rows, output_dir / report.EXAMPLES_FILE
    )
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
        report.format_table(
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
