import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import config_flags

from kernel import report
from kernel.main import run

ROOT = Path(__file__).resolve().parent.parent


def check_outputs(output_dir, config):
    """Every output file is there and says what the run did."""
    for name in report.OUTPUT_FILES:
        assert (output_dir / name).stat().st_size > 0, name
    metrics = json.loads((output_dir / report.METRICS_FILE).read_text())
    assert metrics["config"]["num_words"] == config.num_words
    assert metrics["validation"]["reviews"] == config.val_reviews
    assert metrics["test"]["reviews"] == 300
    assert 0 <= metrics["test"]["accuracy"] <= 1
    assert len(metrics["seconds_per_epoch"]) == metrics["epochs_run"]
    assert set(metrics["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    with (output_dir / report.HISTORY_FILE).open() as file:
        history = list(csv.DictReader(file))
    assert len(history) == metrics["epochs_run"]
    assert (output_dir / report.CURVES_FILE).read_bytes().startswith(b"\x89PNG")
    assert (output_dir / report.CONFUSION_FILE).read_bytes().startswith(b"\x89PNG")
    with (output_dir / report.EXAMPLES_FILE).open() as file:
        examples = list(csv.DictReader(file))
    assert len(examples) == config.example_reviews
    return metrics, history


def test_a_short_run_learns_and_writes_every_output(tiny_config, capsys):
    assert run(tiny_config) == 0
    metrics, history = check_outputs(Path(tiny_config.output_dir), tiny_config)
    losses = [float(row["loss"]) for row in history]
    assert losses[-1] < losses[0]
    # The tiny reviews carry a clear signal: a working model finds it.
    assert metrics["test"]["accuracy"] > 0.8
    log = capsys.readouterr().out
    assert f"Trainable parameters: {metrics['trainable_parameters']:,}" in log
    assert "validation  100" in log and "test        300" in log


def test_python_dash_m_kernel_runs_end_to_end(tiny_config):
    completed = subprocess.run(
        [sys.executable, "-m", "kernel", *config_flags(tiny_config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "error::UserWarning"},
    )
    assert completed.returncode == 0, completed.stderr
    check_outputs(Path(tiny_config.output_dir), tiny_config)
    assert "Total time:" in completed.stdout


@pytest.mark.real_data
def test_one_short_epoch_on_the_real_data(real_data_dir, tmp_path, capsys):
    from kernel.config import Config

    config = Config(
        data=str(real_data_dir / "imdb.npz"),
        word_index=str(real_data_dir / "imdb_word_index.json"),
        output_dir=str(tmp_path / "output"),
        num_reviews=2_000,
        train_reviews=1_500,
        val_reviews=500,
        epochs=1,
        example_reviews=2,
    )
    assert run(config) == 0
    metrics = json.loads((tmp_path / "output" / report.METRICS_FILE).read_text())
    assert metrics["trainable_parameters"] == 693_301
    assert metrics["test"]["reviews"] == 25_000
    assert metrics["test"]["accuracy"] > 0.5
