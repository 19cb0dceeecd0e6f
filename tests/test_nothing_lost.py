"""Runs that fail, stop or repeat never lose or mix outputs."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import config_flags

from kernel import main as main_module
from kernel import report
from kernel.main import INTERRUPTED, interrupt, run

ROOT = Path(__file__).resolve().parent.parent


def test_a_write_that_fails_leaves_the_earlier_file_whole(tmp_path):
    path = tmp_path / "metrics.json"
    report.write_json({"run": 1}, path)
    with pytest.raises(RuntimeError), report.atomic_path(path) as temporary:
        temporary.write_text('{"run": 2, "half')
        raise RuntimeError("killed mid-write")
    assert json.loads(path.read_text()) == {"run": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_a_model_save_that_fails_leaves_the_earlier_model(tmp_path):
    class Broken:
        def save(self, path):
            Path(path).write_bytes(b"half a model")
            raise OSError("disk full")

    path = tmp_path / report.MODEL_FILE
    path.write_bytes(b"earlier model")
    with pytest.raises(OSError, match="disk full"):
        report.save_model(Broken(), path)
    assert path.read_bytes() == b"earlier model"
    assert os.listdir(tmp_path) == [report.MODEL_FILE]


def test_a_stop_during_a_write_waits_until_the_file_is_in_place(tmp_path):
    path = tmp_path / report.HISTORY_FILE
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt), report.atomic_path(path) as temporary:
            signal.raise_signal(signal.SIGTERM)  # lands before the file is written
            temporary.write_text("epoch,loss\n1,0.5\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert path.read_text() == "epoch,loss\n1,0.5\n"
    assert os.listdir(tmp_path) == [report.HISTORY_FILE]


def test_a_stopped_run_keeps_the_best_model_and_history(tiny_config):
    config = dataclasses.replace(tiny_config, epochs=500, patience=500)
    process = subprocess.Popen(
        [sys.executable, "-m", "kernel", *config_flags(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Once epoch 3 is reported, epoch 2's checkpoint is complete.
        for line in process.stdout:
            if line.startswith("epoch  3/"):
                break
        process.send_signal(signal.SIGTERM)  # what Kaggle sends to stop a run
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    folder = Path(config.output_dir)
    assert process.returncode == INTERRUPTED, stderr
    assert "Interrupted after" in stderr
    assert str(folder / report.MODEL_FILE) in stderr
    assert (folder / report.MODEL_FILE).stat().st_size > 0
    epochs = (folder / report.HISTORY_FILE).read_text().splitlines()[1:]
    assert len(epochs) >= 2
    assert not (folder / report.METRICS_FILE).exists()
    assert not [name for name in os.listdir(folder) if name.startswith(".")]


def test_overwrite_replaces_every_file_of_the_earlier_run(tiny_config, capsys):
    config = dataclasses.replace(tiny_config, epochs=1)
    assert run(config) == 0
    folder = Path(config.output_dir)
    (folder / report.CURVES_FILE).write_bytes(b"left from the earlier run")
    again = dataclasses.replace(config, overwrite=True, seed=7)
    assert run(again) == 0
    assert "Replacing the earlier run's outputs" in capsys.readouterr().out
    assert (folder / report.CURVES_FILE).read_bytes().startswith(b"\x89PNG")
    assert json.loads((folder / report.METRICS_FILE).read_text())["config"]["seed"] == 7


def test_the_same_seed_gives_the_same_metrics(tiny_config, tmp_path):
    metrics = []
    for attempt in range(2):
        config = dataclasses.replace(
            tiny_config, output_dir=str(tmp_path / f"run{attempt}"), epochs=2
        )
        assert run(config) == 0
        saved = json.loads((tmp_path / f"run{attempt}" / "metrics.json").read_text())
        metrics.append((saved["validation"], saved["test"], saved["config"]["seed"]))
    assert metrics[0] == metrics[1]


def test_a_stop_outside_training_exits_130_without_a_traceback(monkeypatch, capsys):
    def stopped_while_loading(config):
        raise KeyboardInterrupt

    monkeypatch.setattr(main_module, "run", stopped_while_loading)
    assert main_module.main(["--output-dir", "unused"]) == INTERRUPTED
    assert capsys.readouterr().err == (
        "Interrupted; the files already written are complete.\n"
    )
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
