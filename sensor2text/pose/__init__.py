"""Glove -> 3-D hand keypoints (issue 25): per hand, 21 keypoints (wrist-relative, mm) per frame.

- :mod:`sensor2text.pose.data`: the synthetic glove's hands as training pairs, with reduced
  sensor sets (a 5-flex and an 8-sensor glove simulated from the joint-angle readings).
- :mod:`sensor2text.pose.models`: the sequence model and the related work's baselines.
- :mod:`sensor2text.pose.train`: fitting, mean per-keypoint error, saving (safetensors + JSON).
"""
