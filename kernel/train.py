"""Training: the input pipeline, the devices, and the fit with early stopping."""

import dataclasses
import signal
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


def stop_on_sigterm():
    """Turns SIGTERM (Kaggle stopping a session) into KeyboardInterrupt."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def train(model, splits, config, on_epoch=lambda model, history: None):
    """Fits `model` and leaves it holding the weights of its best epoch.

    The best epoch is the one with the lowest validation loss; training stops
    after `config.patience` epochs without a new best. `on_epoch(model,
    history)` runs after every epoch, for checkpoints. Ctrl-C or SIGTERM ends
    training early but still restores the best weights.
    """
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )
    report = EpochReport(config.epochs, on_epoch)
    train_data = make_dataset(
        splits.x_train, splits.y_train, config.batch_size, shuffle_seed=config.seed
    )
    val_data = make_dataset(splits.x_val, splits.y_val, config.batch_size)
    interrupted = False
    stop_on_sigterm()
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
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    losses = report.history.get("val_loss", [])
    best_epoch = 1 + min(range(len(losses)), key=losses.__getitem__) if losses else 0
    return TrainingResult(
        history=report.history,
        seconds_per_epoch=report.seconds_per_epoch,
        best_epoch=best_epoch,
        interrupted=interrupted,
    )
