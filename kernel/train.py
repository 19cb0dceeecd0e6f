"""Training: the input pipeline, the devices, and the fit with early stopping."""

import dataclasses
import time

import keras
import tensorflow as tf


@dataclasses.dataclass
class TrainingResult:
    """What a fit leaves behind besides the model's (best) weights."""

    history: dict  # metric name -> one value per epoch run
    seconds_per_epoch: list
    best_epoch: int  # 1-based; 0 when no epoch finished
    interrupted: bool = False


@dataclasses.dataclass(frozen=True)
class DevicePlan:
    """Where and how to train: the strategy and what it changes in the recipe."""

    strategy: tf.distribute.Strategy
    replicas: int
    mixed_precision: bool
    batch_size: int  # global: the configured batch on each replica
    learning_rate: float  # scaled with the global batch

    def describe(self):
        """One log line about the strategy, precision, batch and rate."""
        precision = "mixed float16" if self.mixed_precision else "float32"
        return (
            f"Strategy: {type(self.strategy).__name__} over {self.replicas} "
            f"replica(s), {precision}, global batch {self.batch_size}, "
            f"learning rate {self.learning_rate:g}"
        )


def plan_devices(config):
    """Mirrors training over all GPUs when there are several.

    Each replica takes a batch of `config.batch_size`, and the learning rate
    grows with the number of replicas: the usual linear scaling rule, which
    keeps each review's share of a step the same as on one device. Mixed
    precision is used where every GPU can compute in float16 quickly (compute
    capability 7.0 or newer, such as the T4), unless the config turns it off.
    """
    gpus = visible_gpus()
    if len(gpus) > 1:
        strategy = tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
    else:
        strategy = tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    mixed = config.mixed_precision == "on" or (
        config.mixed_precision == "auto" and fast_float16()
    )
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    return DevicePlan(
        strategy=strategy,
        replicas=replicas,
        mixed_precision=mixed,
        batch_size=config.batch_size * replicas,
        learning_rate=config.learning_rate * replicas,
    )


def visible_gpus():
    """The GPUs TensorFlow can train on."""
    return tf.config.list_logical_devices("GPU")


def fast_float16():
    """Whether there are GPUs and all of them have float16 tensor cores."""
    capabilities = [
        tf.config.experimental.get_device_details(gpu).get("compute_capability")
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    return bool(capabilities) and all(
        capability is not None and capability >= (7, 0) for capability in capabilities
    )


def describe_devices():
    """The devices TensorFlow will run on, e.g. ['CPU', 'GPU:0 Tesla T4']."""
    names = []
    for device in tf.config.list_physical_devices():
        if device.device_type not in ("CPU", "GPU"):
            continue
        details = tf.config.experimental.get_device_details(device)
        label = device.name.split("device:")[-1]
        names.append(" ".join(filter(None, [label, details.get("device_name")])))
    return names


def make_dataset(reviews, labels, batch_size, shuffle_seed=None):
    """A tf.data pipeline over padded reviews, shuffled when given a seed.

    The arrays are already padded, so each epoch only slices, batches and
    prefetches; the next batch is ready while the current one trains.
    """
    dataset = tf.data.Dataset.from_tensor_slices((reviews, labels)).cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(reviews), seed=shuffle_seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class EpochReport(keras.callbacks.Callback):
    """Prints one line per epoch, times it, and hands each epoch to `on_epoch`."""

    def __init__(self, epochs, on_epoch):
        super().__init__()
        self.epochs = epochs
        self.on_epoch = on_epoch
        self.history = {}
        self.seconds_per_epoch = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds_per_epoch.append(time.perf_counter() - self.started)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))
        print(
            f"epoch {epoch + 1:>2}/{self.epochs}  "
            f"loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}  "
            f"val_loss {logs['val_loss']:.4f}  "
            f"val_accuracy {logs['val_accuracy']:.4f}  "
            f"{self.seconds_per_epoch[-1]:.1f} s",
            flush=True,
        )
        self.on_epoch(self.model, self.history)


def train(model, splits, config, batch_size, on_epoch=lambda model, history: None):
    """Fits `model` and leaves it holding the weights of its best epoch.

    The best epoch is the one with the lowest validation loss; training stops
    after `config.patience` epochs without a new best. `on_epoch(model,
    history)` runs after every epoch, for checkpoints. A KeyboardInterrupt
    (Ctrl-C, or SIGTERM as the entry point sets it up) ends training early
    but still restores the best weights.
    """
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )
    report = EpochReport(config.epochs, on_epoch)
    train_data = make_dataset(
        splits.x_train, splits.y_train, batch_size, shuffle_seed=config.seed
    )
    val_data = make_dataset(splits.x_val, splits.y_val, batch_size)
    interrupted = False
    try:
        model.fit(
            train_data,
            validation_data=val_data,
            epochs=config.epochs,
            callbacks=[early_stopping, report],
            shuffle=False,  # the pipeline shuffles
            verbose=0,
        )
    except KeyboardInterrupt:
        interrupted = True
        if early_stopping.best_weights is not None:
            model.set_weights(early_stopping.best_weights)
    losses = report.history.get("val_loss", [])
    best_epoch = 1 + min(range(len(losses)), key=losses.__getitem__) if losses else 0
    return TrainingResult(
        history=report.history,
        seconds_per_epoch=report.seconds_per_epoch,
        best_epoch=best_epoch,
        interrupted=interrupted,
    )
