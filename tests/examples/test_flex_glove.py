"""The reference firmware's frame code (examples/flex_glove/glove_wire.h), compiled on the host,
writes what sensor2text's wire parsers read."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sensor2text.glove.schema import get_profile
from sensor2text.live.wire import FrameStats, make_parser

EXAMPLE = Path(__file__).parents[2] / "examples" / "flex_glove"
HARNESS = r"""
#include "glove_wire.h"
int main(int argc, char **argv) {
  uint8_t packet[S2T_PACKET_BYTES(5)];
  char line[64];
  if (argv[1][0] == 'c') {
    fputs("flex_0,flex_1,flex_2,flex_3,flex_4\n", stdout);
    for (int f = 0; f < 3; f++) {
      int values[5] = {512 + f, 230, 801, 799, 640 - f};
      fwrite(line, 1, s2t_csv_line(values, 5, line, sizeof line), stdout);
    }
  } else {
    uint16_t seqs[3] = {0, 1, 3};  /* frame 2 never sent: a gap */
    for (int f = 0; f < 3; f++) {
      float values[5] = {512.0f + f, 230.5f, 801.0f, 799.0f, -1.25f};
      fwrite(packet, 1, s2t_binary_frame(seqs[f], values, 5, packet), stdout);
    }
  }
  return 0;
}
"""


@pytest.fixture(scope="module")
def firmware(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    folder = tmp_path_factory.mktemp("firmware")
    (folder / "harness.c").write_text(HARNESS)
    subprocess.run([compiler, "-std=c99", "-Wall", "-Werror", "-I", str(EXAMPLE), "-o", str(folder / "harness"),
                    str(folder / "harness.c")], check=True)  # fmt: skip
    return lambda mode: subprocess.run([str(folder / "harness"), mode], capture_output=True, check=True).stdout


def test_csv_lines_of_the_firmware_are_frames(firmware):
    stats = FrameStats()
    frames = make_parser("csv", get_profile("flex-5"), stats).feed(firmware("csv"))
    assert np.allclose(frames, [[512, 230, 801, 799, 640], [513, 230, 801, 799, 639], [514, 230, 801, 799, 638]])
    assert stats.bad == 0


def test_binary_packets_of_the_firmware_pass_the_crc_and_count_the_gap(firmware):
    stats = FrameStats()
    frames = make_parser("binary", get_profile("flex-5"), stats).feed(firmware("binary"))
    assert np.allclose(frames, [[512 + f, 230.5, 801, 799, -1.25] for f in range(3)])
    assert stats.bad == 0 and stats.dropped == 1


def test_the_sketch_uses_the_tested_header():
    sketch = (EXAMPLE / "flex_glove.ino").read_text()
    assert '#include "glove_wire.h"' in sketch and "s2t_binary_frame" in sketch and "s2t_csv_line" in sketch
