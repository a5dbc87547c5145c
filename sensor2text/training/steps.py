"""The one optimisation loop: the projector + LoRA run, the text LoRAs (composer, knowledge) and
the evaluator's baselines all take their steps here.

    optimize(step_loss, optimizer, steps, scheduler=..., backward=accelerator.backward, after_step=...)

``step_loss(step)`` draws its own batch and returns the scalar loss; ``after_step(done, loss)``
logs, validates or saves. Nothing else differs between the callers.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def optimize(step_loss: Callable[[int], torch.Tensor], optimizer: torch.optim.Optimizer, steps: int,
             start: int = 0, scheduler=None, backward: Callable[[torch.Tensor], None] | None = None,
             after_step: Callable[[int, float], None] | None = None,
             progress: bool = False) -> float | None:  # fmt: skip
    """Take optimisation steps ``start .. steps - 1``; returns the last loss (None when no step ran).

    Per step: ``loss = step_loss(step)``, backward (``loss.backward()`` unless given, e.g. accelerate's),
    optimizer step, scheduler step, gradients zeroed, then ``after_step(step + 1, loss)``.
    ``progress`` shows a tqdm bar with the loss.
    """
    from tqdm.auto import tqdm

    bar = tqdm(range(start, steps), disable=not progress)
    last = None
    for step in bar:
        loss = step_loss(step)
        (backward or torch.Tensor.backward)(loss)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        optimizer.zero_grad()
        last = loss.item()
        if progress:
            bar.set_postfix(loss=f"{last:.3f}")
        if after_step is not None:
            after_step(step + 1, last)
    return last
