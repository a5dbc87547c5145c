"""How many torch threads the describing thread may use while other processes share the CPU."""

from __future__ import annotations

import os


class ThreadGovernor:
    """Torch threads for describing: every core while the machine is quiet, one fewer per core
    that other processes keep busy. A matmul split over a core that another process holds waits
    for it at every step (3-6x slower here); one thread per free core does not."""

    def __init__(self, cores: int | None = None):
        import psutil

        self.cores = cores or os.cpu_count() or 1
        self.process = psutil.Process()
        self._system = psutil.cpu_percent
        self._system(None), self.process.cpu_percent(None)  # start both measurements

    def update(self) -> int:
        """Measure the last interval's load and set ``torch.set_num_threads``; returns the threads."""
        import torch

        busy = self._system(None) * self.cores / 100  # cores busy in all, this process included
        others = max(0.0, busy - self.process.cpu_percent(None) / 100)
        threads = max(1, self.cores - int(others + 0.5))
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        return threads
