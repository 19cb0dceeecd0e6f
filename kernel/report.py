"""Outputs: the model, metrics, history, plots and examples, written safely.

Every file is written to a temporary name in the output folder and renamed
into place, so a run killed mid-write leaves the previous file whole; a run
stopped by Ctrl-C or SIGTERM finishes the file it is writing first.
"""

import contextlib
import csv
import json
import os
import signal
import tempfile
import threading
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from kernel.config import InputError

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
