"""The network: word embeddings, an LSTM over the review, one sigmoid output."""

import math

import keras
from keras import layers


def build_model(config, learning_rate=None, batch_size=None):
    """Builds and compiles the classifier that `config` describes.

    With the seed's settings this is Embedding(20000, 32) -> LSTM(100) ->
    Dense(1, sigmoid): 693,301 trainable parameters. The LSTM keeps Keras'
    defaults (tanh, sigmoid gate, no recurrent dropout, no unrolling) and the
    reviews carry no mask, which is what lets a GPU run it as one fused cuDNN
    kernel.

    Args:
        config: the settings of the run.
        learning_rate: replaces the configured one, for several GPUs.
        batch_size: the global batch, when several GPUs change it; it sets
            how many steps a cosine schedule spans.
    """
    reviews = keras.Input(shape=(config.max_review_words,), dtype="int32")
    words = layers.Embedding(config.num_words, config.embedding_dim)(reviews)
    if config.dropout:
        # Drops whole word vectors, not single numbers, so that a word's
        # neighbours cannot stand in for it.
        words = layers.SpatialDropout1D(config.dropout)(words)
    if config.conv_filters:
        # Phrases of a few words, then one step per `conv_pool` positions:
        # a shorter sequence for the LSTM to walk through.
        words = layers.Conv1D(
            config.conv_filters, config.conv_width, padding="same", activation="relu"
        )(words)
        words = layers.MaxPooling1D(config.conv_pool)(words)
    lstm = layers.LSTM(config.lstm_units, return_sequences=config.pooling == "max")
    if config.bidirectional:
        lstm = layers.Bidirectional(lstm)
    summary = lstm(words)
    if config.pooling == "max":
        # The strongest signal from any position, not only from the end.
        summary = layers.GlobalMaxPooling1D()(summary)
    if config.dropout:
        summary = layers.Dropout(config.dropout)(summary)
    # float32 output: under mixed precision a float16 sigmoid saturates early.
    positive = layers.Dense(1, activation="sigmoid", dtype="float32")(summary)
    model = keras.Model(reviews, positive, name=f"{config.preset}_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=step_size(
                config,
                learning_rate or config.learning_rate,
                batch_size or config.batch_size,
            )
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def step_size(config, learning_rate, batch_size):
    """Adam's learning rate: a number, or a cosine decay over every epoch."""
    if config.lr_schedule == "constant":
        return learning_rate
    steps_per_epoch = math.ceil(config.train_reviews / batch_size)
    return keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=config.epochs * steps_per_epoch
    )


def count_trainable_parameters(model):
    """The number of weights training can change."""
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)
