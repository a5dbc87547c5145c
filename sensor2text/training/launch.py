"""Training in several processes: every route ends in one process per rank under torch.distributed
(gloo on a machine without GPUs, the device's backend on GPUs).

- ``torchrun --nproc_per_node N training/train.py ...`` and ``accelerate launch --multi_gpu
  --num_processes N ...`` run as they are; on a machine without GPUs the Accelerator is made with
  ``cpu=True`` (:func:`on_cpu`), so the processes talk over gloo instead of each training alone.
- ``accelerate launch --num_processes N training/train.py ...`` on a machine without GPUs:
  accelerate's simple launcher starts **one** process (it leaves several CPU processes to MPI).
  That process reads N from its launcher's command line (:func:`simple_launcher_processes`) and
  starts the N processes itself (:func:`run_processes`).
- ``sensor2text train --processes N``: the same start, asked for directly.

Splitting is by batch: N processes share each step's batch, so N processes train what one process
trains, up to the order of float additions. The holistic design lets accelerate split its
loader (``split_batches``); the finger-word design's stages, which draw their batches from a
seeded generator, draw the same batch in every process and each trains on its :class:`Share`.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from sensor2text.errors import ConfigError, Sensor2TextError

LAUNCHED_BY_SENSOR2TEXT = "SENSOR2TEXT_LAUNCHED"


@dataclass(frozen=True)
class Share:
    """This process's part of a data-parallel run: every process draws the same batch, trains on
    the rows of its rank (:meth:`of`), and the gradients are averaged (:meth:`backward`)."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        """The process that logs and writes."""
        return self.rank == 0

    def of(self, rows):
        """This process's rows of a batch (every ``world``-th from ``rank``)."""
        return rows[self.rank :: self.world]

    def backward(self, parameters):
        """A ``backward(loss)`` for :func:`sensor2text.training.steps.optimize`: the loss of this
        share's rows, then each gradient averaged over the processes (a plain backward for one)."""
        import torch

        parameters = [p for p in parameters if p.requires_grad]

        def backward(loss) -> None:
            loss.backward()
            if self.world > 1:
                for p in parameters:
                    grad = p.grad if p.grad is not None else torch.zeros_like(p)
                    torch.distributed.all_reduce(grad)
                    p.grad = grad / self.world

        return backward


# One process training alone (the default share of every training function).
ALONE = Share()


def join_processes() -> Share:
    """This process's :class:`Share`: one process alone, or its rank in a launched run (the process
    group joined now, over gloo: the finger-word design trains on CPU tensors)."""
    import torch

    world = world_size()
    if world == 1:
        return ALONE
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("gloo")
    return Share(torch.distributed.get_rank(), world)


def world_size(env=os.environ) -> int:
    """How many processes train together (torchrun's ``WORLD_SIZE``; 1 when not launched)."""
    return int(env.get("WORLD_SIZE", "1") or 1)


def on_cpu() -> bool:
    """True on a machine without an accelerator device (CUDA, XPU, MPS ...): train on CPUs, gloo."""
    import torch

    return not torch.accelerator.is_available()


def num_processes_flag(argv: list[str]) -> int | None:
    """The value of ``--num_processes N`` / ``--num_processes=N`` in an ``accelerate launch``
    command line, or None when it is not there."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--num_processes" and i + 1 < len(argv) else None
        if arg.startswith("--num_processes="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return int(value) if value.isdigit() else None
    return None


def simple_launcher_processes(env=os.environ, parent_argv: list[str] | None = None) -> int | None:
    """N when accelerate's simple launcher started this process for ``--num_processes N`` > 1 (it
    sets ``MASTER_ADDR`` and ``ACCELERATE_MIXED_PRECISION``, never ``WORLD_SIZE``), else None.

    Sensor2TextError when it was asked for several processes by a config file (no flag to read)."""
    if "WORLD_SIZE" in env or "MASTER_ADDR" not in env or "ACCELERATE_MIXED_PRECISION" not in env:
        return None
    if parent_argv is None:
        import psutil

        parent = psutil.Process().parent()
        parent_argv = parent.cmdline() if parent is not None else []
    n = num_processes_flag(parent_argv)
    if n is None:
        raise Sensor2TextError(
            "accelerate launch started one process for several (on a machine without GPUs its simple launcher "
            "runs one); pass --num_processes N on the command line, or run: sensor2text train --processes N ..."
        )
    return n if n > 1 else None


def requested_processes(processes: int | None, env=os.environ) -> int | None:
    """How many processes this command must start (N > 1), or None to train in this process:
    ``--processes N``, or accelerate's simple launcher asked for N; never inside a launched process."""
    if world_size(env) > 1 or env.get(LAUNCHED_BY_SENSOR2TEXT):
        return None
    if processes is not None and processes < 1:
        raise ConfigError(f"--processes {processes}: expected 1 or more.")
    if processes is not None:
        return processes if processes > 1 else None
    return simple_launcher_processes(env)


def check_splits(batch_size: int, processes: int, field: str = "training.batch_size") -> None:
    """ConfigError unless the batch size ``field`` splits evenly into ``processes`` shares."""
    if batch_size % processes:
        raise ConfigError(f"{field} {batch_size}: does not split into {processes} processes; "
                          f"expected a multiple of {processes}.")  # fmt: skip


def child_argv(argv: list[str]) -> list[str]:
    """This command line without ``--processes N``: what each started process runs."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            out.append(arg)
    return out


def python_args(argv: list[str]) -> list[str]:
    """What each started process gives Python: this command line without ``--processes N``, the
    script (``training/train.py``, the ``sensor2text`` entry point) or ``-m sensor2text``."""
    script, *args = child_argv(argv)
    if Path(script).name == "__main__.py":  # python -m sensor2text
        return ["-m", Path(script).parent.name, *args]
    return [script, *args]


def run_processes(processes: int, argv: list[str] | None = None) -> None:
    """Run this command line (``sys.argv`` without ``--processes``) in ``processes`` processes under
    torch.distributed's elastic launcher on this machine (a free port, no restarts), and wait.

    Sensor2TextError naming the first process that failed (its own message is above)."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    args = python_args(list(sys.argv if argv is None else argv))
    os.environ[LAUNCHED_BY_SENSOR2TEXT] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // processes)))
    for name in ("MASTER_ADDR", "MASTER_PORT"):  # set by accelerate's simple launcher; the launcher picks its own
        os.environ.pop(name, None)
    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=processes, run_id=str(uuid.uuid4()),
                          rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0,
                          monitor_interval=0.1)  # fmt: skip
    where = "CPU processes (gloo)" if on_cpu() else "processes"
    print(f"training in {processes} {where}", file=sys.stderr, flush=True)
    try:
        elastic_launch(config, sys.executable)(*args)
    except ChildFailedError as exc:
        rank, failure = exc.get_first_failure()
        raise Sensor2TextError(f"training process {rank} of {processes} exited with code {failure.exitcode} "
                               "(its message is above).") from None  # fmt: skip
