"""What can be proven on a CPU about the GPU paths: cuDNN, several replicas.

A GPU runs Keras' LSTM as one fused cuDNN kernel only when the layer keeps
cuDNN's arguments and, if the reviews carry a mask, only when every review is
padded at its end. A masked, front-padded batch crashes on a GPU while a CPU
never notices, so these tests apply Keras' own checks to every preset's model
and to padded reviews from the real pipeline.
"""

import dataclasses
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest
from conftest import config_flags

from kernel import data
from kernel.config import PRESETS, Config, parse_args
from kernel.model import build_model

ROOT = Path(__file__).resolve().parent.parent
# Keras' own cuDNN checks for the TensorFlow backend (the package re-exports a
# function named `rnn`, hence the import by module path).
tensorflow_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")


def lstm_layers(model):
    """Every LSTM in the model, including both directions of a Bidirectional."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found += [layer.forward_layer, layer.backward_layer]
        elif isinstance(layer, keras.layers.LSTM):
            found.append(layer)
    return found


def mask_reaching_the_lstm(model, reviews):
    """The mask Keras would hand the LSTM for these reviews, or None."""
    embedding = next(
        layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)
    )
    return embedding.compute_mask(reviews)


def cudnn_problems(model, reviews):
    """Why a GPU could not run this model on these reviews with cuDNN."""
    problems = []
    for lstm in lstm_layers(model):
        cell = lstm.cell
        if not tensorflow_rnn._do_lstm_arguments_support_cudnn(
            cell.activation, cell.recurrent_activation, lstm.unroll, cell.use_bias
        ):
            problems.append(f"{lstm.name}: arguments cuDNN does not support")
        if lstm.recurrent_dropout or lstm.use_cudnn is False:
            problems.append(f"{lstm.name}: recurrent dropout or cuDNN turned off")
    mask = mask_reaching_the_lstm(model, reviews)
    if mask is not None:
        if not bool(tensorflow_rnn._is_sequence_right_padded(mask)):
            problems.append("the mask is not right-padded")
        if bool(tensorflow_rnn._has_fully_masked_sequence(mask)):
            problems.append("a review is fully masked")
    return problems


@pytest.fixture(scope="module")
def padded_reviews(tiny_data_dir):
    """Reviews of every length, padded by the pipeline to 20 words."""
    (reviews, _), _ = data.load_imdb(tiny_data_dir / "imdb.npz", num_words=43)
    return data.pad_reviews(reviews[:64] + [[data.START]], max_review_words=20)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_meets_keras_cudnn_conditions(preset, padded_reviews):
    config = parse_args(["--preset", preset, "--max-review-words", "20"])
    model = build_model(config)
    assert lstm_layers(model), "the model must contain an LSTM"
    assert cudnn_problems(model, padded_reviews) == []


def test_the_check_catches_a_masked_front_padded_model(padded_reviews):
    """The crash the check guards against: mask_zero with front padding."""
    reviews = keras.Input(shape=(20,), dtype="int32")
    words = keras.layers.Embedding(43, 8, mask_zero=True)(reviews)
    model = keras.Model(reviews, keras.layers.LSTM(4, unroll=True)(words))
    assert cudnn_problems(model, padded_reviews) == [
        f"{model.layers[-1].name}: arguments cuDNN does not support",
        "the mask is not right-padded",
    ]


def test_several_replicas_train_under_mirrored_strategy(tiny_config):
    """Two logical CPUs stand in for two GPUs; the same code path runs."""
    config = dataclasses.replace(tiny_config, epochs=1)
    script = (
        "import sys, tensorflow as tf\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(\n"
        "    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
        "cpus = tf.config.list_logical_devices('CPU')\n"
        "import kernel.train\n"
        "kernel.train.visible_gpus = lambda: cpus\n"
        "from kernel.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, *config_flags(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    expected = (
        "Strategy: MirroredStrategy over 2 replica(s), float32, global batch "
        f"{2 * config.batch_size}, learning rate {2 * config.learning_rate:g}"
    )
    assert expected in completed.stdout
    metrics = json.loads((Path(config.output_dir) / "metrics.json").read_text())
    assert metrics["strategy"] == expected
    assert 0 <= metrics["test"]["accuracy"] <= 1


def test_one_device_keeps_the_configured_batch_and_rate(tiny_config, capsys):
    from kernel.main import run

    assert run(dataclasses.replace(tiny_config, epochs=1)) == 0
    assert (
        "Strategy: _DefaultDistributionStrategy over 1 replica(s), float32, "
        f"global batch {tiny_config.batch_size}, learning rate "
        f"{tiny_config.learning_rate:g}"
    ) in capsys.readouterr().out


def test_mixed_precision_keeps_the_output_in_float32():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = build_model(dataclasses.replace(Config(), num_words=50))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    lstm = lstm_layers(model)[0]
    assert lstm.compute_dtype == "float16"
    assert model.layers[-1].compute_dtype == "float32"
    assert model.output.dtype == "float32"
