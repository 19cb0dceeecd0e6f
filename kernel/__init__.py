"""An LSTM that learns the sentiment of IMDB movie reviews, run as a Kaggle kernel.

The modules build on each other in this order, and import only from earlier
ones: config, data, model, train, evaluate, report, main.
"""

import os

# Keras must run on TensorFlow here (tf.data, tf.distribute). TensorFlow's C++
# notices would bury the first lines of the log; its errors still reach Python
# as exceptions.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
