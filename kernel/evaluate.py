"""Evaluation: probabilities for a split, and its loss, accuracy and confusion."""

import dataclasses

import numpy as np

from kernel.data import encode_review, pad_reviews

# Keras clips probabilities by this much before taking logarithms.
EPSILON = 1e-7


@dataclasses.dataclass(frozen=True)
class Score:
    """How well the probabilities match the labels of one split."""

    loss: float  # mean binary cross-entropy, as Keras computes it
    accuracy: float  # share of reviews on the right side of 0.5
    confusion: np.ndarray  # [[true neg, false pos], [false neg, true pos]]


# Reviews per prediction step: larger than a training batch, since no
# gradients are kept, and the result does not depend on it.
PREDICTION_BATCH = 1024


def predict_probabilities(model, reviews):
    """The model's probability that each padded review is positive."""
    return model.predict(reviews, batch_size=PREDICTION_BATCH, verbose=0).reshape(-1)


def predict_texts(model, texts, word_index):
    """The probability that each raw review text is positive.

    The texts are encoded as the training reviews were, with the vocabulary
    size and review length read from the model itself.
    """
    num_words, max_review_words = input_limits(model)
    reviews = [encode_review(text, word_index, num_words) for text in texts]
    return predict_probabilities(model, pad_reviews(reviews, max_review_words))


def input_limits(model):
    """The vocabulary size and words per review that `model` was built for."""
    embedding = next(layer for layer in model.layers if hasattr(layer, "input_dim"))
    return embedding.input_dim, model.input_shape[1]


def sentiment(probability):
    """The label of a probability: positive above one half."""
    return "positive" if probability > 0.5 else "negative"


def score(labels, probabilities):
    """Scores probabilities against 0/1 labels, with one pass of the model."""
    labels = np.asarray(labels, dtype="int64")
    clipped = np.clip(np.asarray(probabilities, dtype="float64"), EPSILON, 1 - EPSILON)
    loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    predicted = (clipped > 0.5).astype("int64")
    confusion = np.zeros((2, 2), dtype="int64")
    np.add.at(confusion, (labels, predicted), 1)
    return Score(
        loss=float(loss),
        accuracy=float(np.mean(predicted == labels)),
        confusion=confusion,
    )
