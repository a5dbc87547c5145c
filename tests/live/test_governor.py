import torch

from sensor2text.live.governor import ThreadGovernor


def test_thread_governor_gives_busy_cores_back(monkeypatch):
    before = torch.get_num_threads()
    governor = ThreadGovernor(cores=2)
    try:
        readings = {"system": 100.0, "own": 100.0}  # both cores busy, one of them by another process
        monkeypatch.setattr(governor, "_system", lambda interval: readings["system"])
        monkeypatch.setattr(governor.process, "cpu_percent", lambda interval: readings["own"])
        assert governor.update() == 1 and torch.get_num_threads() == 1
        readings.update(system=60.0, own=110.0)  # only this process: the machine is quiet again
        assert governor.update() == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
