"""Plug-and-play steering: a small glove model steers a frozen LM while it writes, no LM training.

- :mod:`sensor2text.steering.glove`: the glove model (a CNN+LSTM classifier) -> weights over label sets.
- :mod:`sensor2text.steering.bow`: bag-of-words steering, a logits processor (gradient-free).
- :mod:`sensor2text.steering.pplm`: PPLM proper (Dathathri et al. 2020): gradient steps on the
  past key/values toward the bag of words, KL to the unsteered LM, geometric-mean fusion.
- :mod:`sensor2text.steering.writer`: steered free text for recordings (``generate --steer``).
"""
