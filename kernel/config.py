"""Settings of a run: one flat, frozen object, its presets and its command line.

Every number the run uses is a field of `Config`. A preset names a set of
field values; flags given on the command line override the preset. All values
are checked by `validate` before any data is loaded, so a typo fails in a
second instead of after a download.
"""

import argparse
import dataclasses
from pathlib import Path


class InputError(ValueError):
    """Bad input from the user, reported as a plain message without a traceback."""


def setting(default, help):
    """A `Config` field with its one-line description, shown by `--help`."""
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a run needs to know; edit the defaults here to change a run."""

    preset: str = setting("seed", "named recipe whose values the flags start from")
    seed: int = setting(42, "random seed for weights, shuffling and dropout")
    data: str = setting("", "path to imdb.npz; empty searches Kaggle, Keras' cache")
    word_index: str = setting("", "path to imdb_word_index.json; empty searches")
    output_dir: str = setting("", "where outputs go; empty: /kaggle/working or output")
    overwrite: bool = setting(False, "replace the outputs of an earlier run")
    num_words: int = setting(20_000, "vocabulary: most frequent words kept")
    num_reviews: int = setting(20_000, "reviews taken from the training split")
    max_review_words: int = setting(150, "words kept per review, the last ones")
    train_reviews: int = setting(15_000, "reviews to train on, the first ones")
    val_reviews: int = setting(5_000, "reviews to validate on, the next ones")
    embedding_dim: int = setting(32, "size of each word's learned vector")
    conv_filters: int = setting(0, "convolution filters before the LSTM; 0: none")
    conv_width: int = setting(5, "words each convolution filter reads at once")
    conv_pool: int = setting(5, "positions merged into one after the convolution")
    lstm_units: int = setting(100, "size of the LSTM's hidden state")
    bidirectional: bool = setting(False, "also read each review from its end")
    pooling: str = setting("last", "review summary: last LSTM state, or max over all")
    dropout: float = setting(0.0, "share of word vectors and features dropped")
    epochs: int = setting(10, "most passes over the training reviews")
    patience: int = setting(2, "epochs without a lower validation loss to stop")
    batch_size: int = setting(32, "reviews per training step")
    learning_rate: float = setting(1e-3, "Adam's step size")
    lr_schedule: str = setting(
        "constant", "step size over the epochs: constant, or cosine decay to 0"
    )
    mixed_precision: str = setting(
        "auto", "float16 math: auto (on recent GPUs), on, off"
    )
    example_reviews: int = setting(5, "decoded test reviews shown with predictions")
    sample_reviews: tuple = setting(
        (
            "A wonderful film with a moving story and superb acting.",
            "Dull, predictable and far too long. I want my two hours back.",
            "Not the best I have seen, but the cast makes it worth a watch.",
        ),
        "your own reviews, scored by the trained model at the end of a run",
    )


# Each preset overrides some defaults; flags override the preset. The
# measured speed and accuracy of each are in benchmarks/RESULTS.md.
PRESETS = {
    # The original recipe, unchanged.
    "seed": {},
    # A convolution over each 5 words, then max pooling over each 5
    # positions, so the LSTM reads 30 steps instead of 150: the recurrence,
    # which cannot run in parallel over a review, is most of an epoch's cost.
    # The order of keras.io's CNN-LSTM IMDB example; fuller batches and a
    # larger step size suit the shorter, cheaper steps.
    "fast": {
        "conv_filters": 32,
        "conv_width": 5,
        "conv_pool": 5,
        "batch_size": 64,
        "learning_rate": 0.003,
    },
    # The fast preset's convolution and pooling (64 filters, a step per 4
    # positions), read in both directions; keeps the strongest signal from
    # any position, drops a share of word vectors against overfitting, and
    # lowers the step size along a cosine so the late epochs settle.
    # Measured over three seeds it only ties with "fast" on validation: see
    # "Accuracy under the seed's limits" in README.md.
    "best": {
        "embedding_dim": 64,
        "conv_filters": 64,
        "conv_width": 5,
        "conv_pool": 4,
        "lstm_units": 64,
        "bidirectional": True,
        "pooling": "max",
        "dropout": 0.4,
        "batch_size": 64,
        "learning_rate": 0.002,
        "lr_schedule": "cosine",
        "epochs": 8,
        "patience": 3,
    },
}

# Smallest allowed value of each numeric setting, with why where it is not 1.
MINIMUMS = {
    # Indices 0, 1 and 2 are reserved (see kernel.data), so a vocabulary
    # needs at least one index more to hold any word.
    "num_words": 4,
    "num_reviews": 2,
    "max_review_words": 1,
    "train_reviews": 1,
    "val_reviews": 1,
    "embedding_dim": 1,
    "conv_filters": 0,
    "conv_width": 1,
    "conv_pool": 1,
    "lstm_units": 1,
    "epochs": 1,
    "patience": 0,
    "batch_size": 1,
    "example_reviews": 0,
}

# The values a setting with a fixed set of choices accepts.
CHOICES = {
    "preset": tuple(PRESETS),
    "pooling": ("last", "max"),
    "mixed_precision": ("auto", "on", "off"),
    "lr_schedule": ("constant", "cosine"),
}

# Keras' IMDB training split holds 25,000 reviews.
MAX_REVIEWS = 25_000


def validate(config):
    """Checks every setting and returns the config unchanged.

    Raises:
        InputError: naming the first wrong setting, the allowed values and
            how to fix it.
    """
    for name, choices in CHOICES.items():
        value = getattr(config, name)
        if value not in choices:
            raise InputError(
                f"{name} must be one of {', '.join(choices)}, got {value!r}; "
                f"set --{flag(name)} to one of them."
            )
    for name, minimum in MINIMUMS.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InputError(
                f"{name} must be a whole number of at least {minimum}, got "
                f"{value!r}; set --{flag(name)} to {minimum} or more."
            )
    if not config.learning_rate > 0:
        raise InputError(
            f"learning_rate must be a number above 0, got "
            f"{config.learning_rate!r}; try --learning-rate 0.001."
        )
    if not (
        isinstance(config.sample_reviews, tuple | list)
        and all(isinstance(text, str) for text in config.sample_reviews)
    ):
        raise InputError(
            "sample_reviews must be a list of review texts, got "
            f'{config.sample_reviews!r}; write them as ("text", "text").'
        )
    if not 0 <= config.dropout < 1:
        raise InputError(
            f"dropout must be at least 0 and below 1, got {config.dropout!r}; "
            "try --dropout 0.3."
        )
    if config.conv_filters and config.conv_pool > config.max_review_words:
        raise InputError(
            f"conv_pool is {config.conv_pool}, more than the "
            f"{config.max_review_words} words of a review, so no position would "
            "be left for the LSTM; lower --conv-pool."
        )
    if config.num_reviews > MAX_REVIEWS:
        raise InputError(
            f"num_reviews is {config.num_reviews:,}, but the training split "
            f"holds {MAX_REVIEWS:,} reviews; lower --num-reviews."
        )
    wanted = config.train_reviews + config.val_reviews
    if wanted > config.num_reviews:
        raise InputError(
            f"train_reviews + val_reviews is {config.train_reviews:,} + "
            f"{config.val_reviews:,} = {wanted:,}, more than the "
            f"{config.num_reviews:,} reviews requested; lower them or raise "
            "--num-reviews."
        )
    return config


def flag(name):
    """The command-line spelling of a setting: `num_words` -> `num-words`."""
    return name.replace("_", "-")


def default_output_dir():
    """Kaggle shows files written to /kaggle/working; elsewhere use ./output."""
    kaggle_working = Path("/kaggle/working")
    return str(kaggle_working) if kaggle_working.is_dir() else "output"


def whole_number(text):
    """An argparse type: a whole number, with a message that says so."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None


def real_number(text):
    """An argparse type: a decimal number, with a message that says so."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def build_parser(description, config_class=Config):
    """An argument parser with one flag per field of `config_class`.

    Flags default to None, so that the caller can tell the settings typed on
    the command line from those left to the preset.
    """
    parser = argparse.ArgumentParser(description=description, allow_abbrev=False)
    for field in dataclasses.fields(config_class):
        option = f"--{flag(field.name)}"
        help_text = f"{field.metadata['help']} (default: {field.default!r})"
        if field.type in (bool, "bool"):
            parser.add_argument(
                option, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif field.type in (tuple, "tuple"):
            parser.add_argument(
                option, type=str, nargs="*", metavar="TEXT", help=help_text
            )
        elif field.name in CHOICES:
            parser.add_argument(option, choices=CHOICES[field.name], help=help_text)
        else:
            kind = {"int": whole_number, "float": real_number}.get(
                getattr(field.type, "__name__", field.type), str
            )
            parser.add_argument(option, type=kind, metavar="VALUE", help=help_text)
    return parser


def parse_args(argv=None, description="Train an LSTM on IMDB reviews."):
    """Reads the command line into a checked `Config`.

    The preset's values replace the defaults first; then every flag given on
    the command line replaces the preset's value.

    Raises:
        InputError: when a value is out of range (see `validate`).
        SystemExit: for an unknown flag or a value of the wrong type, after
            argparse has printed the usage and the valid choices.
    """
    given = vars(build_parser(description).parse_args(argv))
    preset = given.pop("preset") or Config.preset
    config = dataclasses.replace(Config(), preset=preset)
    config = dataclasses.replace(config, **PRESETS.get(preset, {}))
    explicit = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in given.items()
        if value is not None
    }
    return validate(dataclasses.replace(config, **explicit))


def resolve_output_dir(config):
    """The config with its output folder filled in when it was left empty."""
    if config.output_dir:
        return config
    return dataclasses.replace(config, output_dir=default_output_dir())
