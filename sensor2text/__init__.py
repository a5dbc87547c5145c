"""sensor2text: let a pretrained language model describe hand gestures recorded by a sensor glove.

    import sensor2text
    model = sensor2text.load_model()                   # the shipped checkpoint
    model.describe([sensor2text.read_csv("wave-0.csv")])

The package by concern: ``glove`` (schema, recordings, AUSLAN, synthetic glove), ``inputs``
(the model's preprocessor), ``models`` (one interface, a registry of designs), ``training``,
``evaluation``, ``live`` (wire formats, segmenting, the stream) and ``cli``.
"""

from __future__ import annotations

from sensor2text.api import calibrate, load_model, probe, read_csv

__version__ = "0.1.0"
__all__ = ["calibrate", "load_model", "probe", "read_csv", "__version__"]
