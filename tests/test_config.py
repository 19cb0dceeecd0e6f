import dataclasses
import re

import pytest

from kernel import main as main_module
from kernel.config import PRESETS, Config, InputError, parse_args, validate


def test_defaults_are_the_seed_recipe():
    config = parse_args([])
    assert (config.num_words, config.num_reviews, config.max_review_words) == (
        20_000,
        20_000,
        150,
    )
    assert (config.train_reviews, config.val_reviews) == (15_000, 5_000)
    assert (config.embedding_dim, config.lstm_units, config.batch_size) == (32, 100, 32)
    assert config.learning_rate == 0.001
    assert config.preset == "seed"


def test_flags_override_the_defaults():
    config = parse_args(
        ["--epochs", "3", "--output-dir", "out", "--num-reviews", "100",
         "--train-reviews", "60", "--val-reviews", "40", "--learning-rate",
         "0.01", "--overwrite"]
    )  # fmt: skip
    assert (config.epochs, config.output_dir, config.num_reviews) == (3, "out", 100)
    assert (config.train_reviews, config.val_reviews) == (60, 40)
    assert config.learning_rate == 0.01
    assert config.overwrite is True


def test_every_preset_is_valid():
    for name, overrides in PRESETS.items():
        config = parse_args(["--preset", name])
        for field, value in overrides.items():
            assert getattr(config, field) == value


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--num-reviews", "0"], "num_reviews must be a whole number of at least 2"),
        (["--max-review-words", "-5"], "max_review_words must be a whole number"),
        (["--num-words", "3"], "num_words must be a whole number of at least 4"),
        (["--epochs", "0"], "epochs must be a whole number of at least 1"),
        (["--batch-size", "-1"], "batch_size must be a whole number of at least 1"),
        (["--learning-rate", "0"], "learning_rate must be a number above 0"),
        (
            ["--train-reviews", "15001"],
            "15,001 + 5,000 = 20,001, more than the 20,000 reviews requested",
        ),
        (["--num-reviews", "30000"], "the training split holds 25,000 reviews"),
        (
            ["--conv-filters", "8", "--conv-pool", "200"],
            "conv_pool is 200, more than the 150 words of a review",
        ),
        (["--conv-width", "0"], "conv_width must be a whole number of at least 1"),
    ],
    ids=[
        "zero-reviews",
        "negative-words",
        "vocabulary-too-small",
        "zero-epochs",
        "negative-batch",
        "zero-learning-rate",
        "splits-exceed-reviews",
        "more-than-split",
        "pool-longer-than-review",
        "zero-conv-width",
    ],
)
def test_bad_values_are_refused_with_the_fix(flags, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_args(flags)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--epochs", "three"], "argument --epochs: expected a whole number"),
        (["--learning-rate", "fast"], "argument --learning-rate: expected a number"),
        (["--epoch", "3"], "unrecognized arguments: --epoch"),
        (["--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
        (["--lr-schedule", "linear"], "argument --lr-schedule: invalid choice"),
    ],
    ids=[
        "word-for-number",
        "word-for-rate",
        "unknown-flag",
        "unknown-preset",
        "unknown-schedule",
    ],
)
def test_malformed_command_lines_exit_with_usage(flags, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        parse_args(flags)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": "3"}, "epochs must be a whole number"),
        ({"pooling": "mean"}, "pooling must be one of last, max, got 'mean'"),
        ({"preset": "huge"}, "preset must be one of seed"),
        ({"dropout": 1.0}, "dropout must be at least 0 and below 1"),
        ({"sample_reviews": "one text"}, "sample_reviews must be a list"),
    ],
    ids=["number-as-text", "unknown-pooling", "unknown-preset", "dropout", "texts"],
)
def test_settings_edited_in_the_source_are_checked_too(changes, message):
    with pytest.raises(InputError, match=message):
        validate(dataclasses.replace(Config(), **changes))


def test_bad_settings_fail_before_any_data_loads(monkeypatch, capsys):
    def must_not_load(*args):
        raise AssertionError("data was loaded for a bad config")

    monkeypatch.setattr(main_module, "locate", must_not_load)
    status = main_module.main(["--val-reviews", "6000"])
    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith("error: train_reviews + val_reviews is 15,000 + 6,000")
    assert "lower them or raise --num-reviews" in error
