"""The network: word embeddings, an LSTM over the review, one sigmoid output."""

import math

import keras
from keras import layers


def build_model(config, learning_rate=None):
    """Builds and compiles the classifier that `config` describes.

    With the seed's settings this is Embedding(20000, 32) -> LSTM(100) ->
    Dense(1, sigmoid): 693,301 trainable parameters. The LSTM keeps Keras'
    defaults (tanh, sigmoid gate, no recurrent dropout, no unrolling) and the
    reviews carry no mask, which is what lets a GPU run it as one fused cuDNN
    kernel. `learning_rate` replaces the configured one, for several GPUs.
    """
    reviews = keras.Input(shape=(config.max_review_words,), dtype="int32")
    words = layers.Embedding(config.num_words, config.embedding_dim)(reviews)
    if config.dropout:
        # Drops whole word vectors, not single numbers, so that a word's
        # neighbours cannot stand in for it.
        words = layers.SpatialDropout1D(config.dropout)(words)
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
            learning_rate=learning_rate or config.learning_rate
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def count_trainable_parameters(model):
    """The number of weights training can change."""
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)
