import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "wheel_install_check.py"


@pytest.mark.slow
def test_built_wheel_works_outside_the_repository():
    """Wheel -> fresh virtualenv -> synth, generate (shipped checkpoint) and train from a /tmp folder."""
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "wheel install check passed" in result.stdout
