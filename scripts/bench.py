"""Speed and accuracy benchmark: `make bench` (not a test).

Times, on the same data and machine, (a) the seed recipe as a plain Keras
`fit` and (b) the project's training path with the `fast` preset: seconds per
epoch, reviews per second, seconds until the validation accuracy first
reaches 0.84, and peak memory. With --accuracy it also runs each preset
whole with three seeds and scores validation and test. Every job runs in its own
process, so that peak memory is its own. Results go to benchmarks/.

    python scripts/bench.py --data path/to/imdb.npz [--accuracy]
"""

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks"
TARGET_ACCURACY = 0.84
MAX_EPOCHS = 4
SEEDS = (1, 2, 3)


def peak_memory_mib():
    """This process's peak resident memory (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def load_splits(config):
    from kernel.data import load_imdb, split_reviews

    return split_reviews(*load_imdb(config.data, config.num_words), config)


def speed_summary(seconds, accuracies, train_reviews):
    """Per-epoch times and validation accuracies, reduced to the table's row."""
    elapsed, reached = 0.0, None
    for epoch_seconds, accuracy in zip(seconds, accuracies, strict=True):
        elapsed += epoch_seconds
        if accuracy >= TARGET_ACCURACY:
            reached = elapsed
            break
    mean = statistics.mean(seconds)
    return {
        "seconds_per_epoch": round(mean, 2),
        "reviews_per_second": round(train_reviews / mean),
        "seconds_to_target": None if reached is None else round(reached, 1),
        "val_accuracy_per_epoch": [round(value, 4) for value in accuracies],
        "peak_memory_mib": round(peak_memory_mib()),
    }


def seed_recipe_job(config):
    """(a) The seed's code as it was: a plain Keras fit, batch 32, Adam 1e-3."""
    import keras

    splits = load_splits(config)
    keras.utils.set_random_seed(config.seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(config.max_review_words,)),
            keras.layers.Embedding(config.num_words, 32),
            keras.layers.LSTM(100),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    seconds, accuracies = [], []
    for _ in range(MAX_EPOCHS):
        started = time.perf_counter()
        history = model.fit(
            splits.x_train,
            splits.y_train,
            batch_size=32,
            validation_data=(splits.x_val, splits.y_val),
            epochs=1,
            verbose=0,
        )
        seconds.append(time.perf_counter() - started)
        accuracies.append(history.history["val_accuracy"][-1])
        if accuracies[-1] >= TARGET_ACCURACY:
            break
    return speed_summary(seconds, accuracies, config.train_reviews)


def project_job(config):
    """(b) The project's own path: device plan, tf.data pipeline, train()."""
    import keras

    from kernel.model import build_model
    from kernel.train import plan_devices, train

    splits = load_splits(config)
    keras.utils.set_random_seed(config.seed)
    plan = plan_devices(config)
    with plan.strategy.scope():
        model = build_model(
            config, learning_rate=plan.learning_rate, batch_size=plan.batch_size
        )

    def stop_at_target(model, history):
        if history["val_accuracy"][-1] >= TARGET_ACCURACY:
            model.stop_training = True

    config = dataclasses.replace(config, epochs=MAX_EPOCHS, patience=MAX_EPOCHS)
    result = train(model, splits, config, plan.batch_size, on_epoch=stop_at_target)
    return speed_summary(
        result.seconds_per_epoch,
        result.history["val_accuracy"],
        config.train_reviews,
    )


def accuracy_job(config):
    """One whole run of a preset: validation and test accuracy, run time."""
    import tempfile

    from kernel.main import run

    with tempfile.TemporaryDirectory() as output_dir:
        config = dataclasses.replace(config, output_dir=output_dir, example_reviews=0)
        started = time.perf_counter()
        if run(config) != 0:
            raise SystemExit(f"the {config.preset} run failed")
        metrics = json.loads((Path(output_dir) / "metrics.json").read_text())
    return {
        "val_accuracy": metrics["validation"]["accuracy"],
        "test_accuracy": metrics["test"]["accuracy"],
        "epochs_run": metrics["epochs_run"],
        "seconds": round(time.perf_counter() - started, 1),
    }


JOBS = {"seed-recipe": seed_recipe_job, "project": project_job, "run": accuracy_job}


def run_job(job, flags):
    """Runs one job in a fresh process and returns what it printed as JSON."""
    completed = subprocess.run(
        [sys.executable, __file__, "--job", job, *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"error: job {job} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine():
    """What the numbers were measured on."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # as kernel/ sets it
    import keras
    import tensorflow as tf

    return {
        "cpu_cores": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def write_results(results):
    """Writes results.json and the Markdown table the README shows."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    speed = results["speed"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['date']} with `make bench` on "
        + ", ".join(f"{key} {value}" for key, value in results["machine"].items())
        + ".",
        "",
        "| training path | s / epoch | reviews / s | s to 0.84 val. acc. "
        "| val. acc. per epoch | peak MiB |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in speed.items():
        lines.append(
            f"| {name} | {row['seconds_per_epoch']} | {row['reviews_per_second']} "
            f"| {row['seconds_to_target']} | "
            f"{', '.join(map(str, row['val_accuracy_per_epoch']))} "
            f"| {row['peak_memory_mib']} |"
        )
    a, b = speed["seed recipe (plain fit)"], speed["project, --preset fast"]
    if a["seconds_to_target"] and b["seconds_to_target"]:
        ratio = b["seconds_to_target"] / a["seconds_to_target"]
        lines += ["", f"Time to 0.84, (b)/(a): {ratio:.2f}."]
    if results.get("accuracy"):
        lines += [
            "",
            "| preset | val. acc. mean (sd) | test acc. mean (sd) | s per run |",
            "|---|---|---|---|",
        ]
        for preset, runs in results["accuracy"].items():
            cells = []
            for key in ("val_accuracy", "test_accuracy"):
                values = [run[key] for run in runs]
                cells.append(
                    f"{statistics.mean(values):.4f} ({statistics.stdev(values):.4f})"
                )
            seconds = statistics.mean(run["seconds"] for run in runs)
            lines.append(f"| {preset} | {cells[0]} | {cells[1]} | {seconds:.0f} |")
    (RESULTS / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="path to imdb.npz")
    parser.add_argument("--accuracy", action="store_true", help="also score presets")
    parser.add_argument("--job", choices=JOBS, help=argparse.SUPPRESS)
    parser.add_argument("--preset", default="seed", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if not Path(arguments.data).is_file():
        raise SystemExit(f"error: {arguments.data}: no such file; pass --data.")
    if arguments.job:
        from kernel.config import parse_args

        config = parse_args(
            ["--preset", arguments.preset, "--seed", str(arguments.seed),
             "--data", arguments.data, "--overwrite"]
        )  # fmt: skip
        print(json.dumps(JOBS[arguments.job](config)))
        return
    data = ["--data", arguments.data]
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "speed": {
            "seed recipe (plain fit)": run_job("seed-recipe", data),
            "project, --preset fast": run_job("project", [*data, "--preset", "fast"]),
        },
    }
    if arguments.accuracy:
        from kernel.config import PRESETS

        results["accuracy"] = {
            preset: [
                run_job("run", [*data, "--preset", preset, "--seed", str(seed)])
                for seed in SEEDS
            ]
            for preset in PRESETS
        }
    write_results(results)


if __name__ == "__main__":
    main()
