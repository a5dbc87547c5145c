import numpy as np
import pytest

from sensor2text.glove import plot
from sensor2text.glove.schema import PROFILES, SYNTHETIC_JOINTS


@pytest.fixture
def figures(monkeypatch):
    """The figures plot_recording would write, kept open instead."""
    kept = []
    monkeypatch.setattr(plot, "save_figure", lambda fig, out: kept.append(fig))
    monkeypatch.setattr("matplotlib.pyplot.close", lambda fig=None: None)
    return kept


def test_one_colour_scale_per_unit_each_with_its_unit(figures):
    profile = PROFILES["5dt-2h"]
    plot.plot_recording(np.random.default_rng(0).random((40, profile.num_channels)), profile, "x.png")
    (fig,) = figures
    colour_bars = [ax.get_ylabel() for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert sorted(colour_bars) == ["metres", "turns", "unitless (0-1)"]
    heatmaps = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_ylabel() == "channel" for ax in heatmaps) and "Hz" in heatmaps[-1].get_xlabel()


def test_the_drawn_frame_is_marked_and_the_hands_have_a_legend(figures):
    frames = np.zeros((30, SYNTHETIC_JOINTS.num_channels))
    frames[12] = 40.0  # the frame farthest from the first
    plot.plot_recording(frames, SYNTHETIC_JOINTS, "x.png")
    (fig,) = figures
    heatmap, hands = fig.axes[0], fig.axes[-1]
    assert [line.get_xdata()[0] for line in heatmap.get_lines()] == [12]
    assert "frame 12" in heatmap.get_legend().get_texts()[0].get_text()
    assert [t.get_text() for t in hands.get_legend().get_texts()] == ["left hand", "right hand"]
    assert hands.get_xlabel() == "x (cm)" and hands.get_zlabel() == "z (cm)"
