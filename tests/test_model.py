import dataclasses
import math

import keras
import pytest

from kernel.config import Config
from kernel.model import build_model, count_trainable_parameters, step_size


def expected_parameters(config):
    """Embedding table, LSTM gates (4 x (input + recurrent + bias)), output."""
    embedding = config.num_words * config.embedding_dim
    units = config.lstm_units
    lstm = 4 * (units * (config.embedding_dim + units) + units)
    return embedding + lstm + units + 1


def test_the_seed_model_has_693301_trainable_parameters():
    model = build_model(Config())
    assert count_trainable_parameters(model) == 693_301
    assert [layer.__class__.__name__ for layer in model.layers] == [
        "InputLayer",
        "Embedding",
        "LSTM",
        "Dense",
    ]


@pytest.mark.parametrize(
    ("num_words", "embedding_dim", "lstm_units"),
    [(4, 1, 1), (100, 8, 16), (5_000, 64, 32)],
    ids=["smallest", "small", "medium"],
)
def test_parameter_count_follows_the_formula(num_words, embedding_dim, lstm_units):
    config = dataclasses.replace(
        Config(),
        num_words=num_words,
        embedding_dim=embedding_dim,
        lstm_units=lstm_units,
    )
    model = build_model(config)
    assert count_trainable_parameters(model) == expected_parameters(config)


def test_a_bidirectional_model_counts_both_directions():
    config = dataclasses.replace(
        Config(), bidirectional=True, pooling="max", dropout=0.4, lstm_units=16
    )
    one_direction = 4 * (16 * (config.embedding_dim + 16) + 16)
    expected = config.num_words * config.embedding_dim + 2 * one_direction + 33
    assert count_trainable_parameters(build_model(config)) == expected


def test_a_convolution_shortens_what_the_lstm_reads():
    config = dataclasses.replace(
        Config(), conv_filters=32, conv_width=5, conv_pool=5, lstm_units=100
    )
    model = build_model(config)
    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    assert lstm.input.shape == (None, 30, 32)  # 150 words, 5 positions per step
    convolution = 5 * config.embedding_dim * 32 + 32
    lstm_weights = 4 * (100 * (32 + 100) + 100)
    expected = config.num_words * config.embedding_dim + convolution
    assert count_trainable_parameters(model) == expected + lstm_weights + 101


def test_a_cosine_schedule_falls_to_zero_over_every_epoch():
    config = dataclasses.replace(
        Config(), lr_schedule="cosine", learning_rate=0.002, epochs=8
    )
    schedule = step_size(config, config.learning_rate, batch_size=64)
    steps = 8 * math.ceil(15_000 / 64)
    assert schedule.decay_steps == steps
    assert float(schedule(0)) == pytest.approx(0.002)
    assert float(schedule(steps // 2)) == pytest.approx(0.001)
    assert float(schedule(steps)) == pytest.approx(0.0)
