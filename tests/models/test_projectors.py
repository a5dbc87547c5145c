import pytest
import torch

from sensor2text.config import ProjectorConfig
from sensor2text.models.projectors import PROJECTORS, build_projector


@pytest.mark.parametrize("kind", sorted(PROJECTORS))
def test_every_projector_maps_windows_to_soft_tokens(kind):
    cfg = ProjectorConfig(type=kind, num_virtual_tokens=4, hidden_dim=16, num_layers=1, dropout=0.0)
    projector = build_projector(cfg, channels=6, frames=10, hidden_size=8, hand_slices=((0, 3), (3, 6)))
    x = torch.randn(5, 10, 6, requires_grad=True)
    y = projector(x)
    assert y.shape == (5, 4, 8)
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    # each sample's tokens depend on that sample only
    y2 = projector(torch.cat([x[:1], torch.randn(4, 10, 6)]))
    torch.testing.assert_close(y[:1], y2[:1])


def test_per_hand_projector_shares_weights_across_hands():
    cfg = ProjectorConfig(type="per_hand", num_virtual_tokens=2, hidden_dim=8, num_layers=1, dropout=0.0)
    projector = build_projector(cfg, channels=4, frames=3, hidden_size=5, hand_slices=((0, 2), (2, 4)))
    hand = torch.randn(1, 3, 2)
    tokens = projector(torch.cat([hand, hand], dim=2))
    difference = tokens[0, 0] - tokens[0, 1]
    torch.testing.assert_close(difference, projector.hand_embedding[0, 0] - projector.hand_embedding[1, 0])


def test_unknown_projector_is_a_value_error():
    with pytest.raises(ValueError, match="unknown projector type 'gru'; expected one of: linear"):
        build_projector(ProjectorConfig(type="gru"), 6, 10, 8)


def test_input_deltas_append_motion_per_hand():
    cfg = ProjectorConfig(
        type="per_hand", num_virtual_tokens=2, hidden_dim=8, num_layers=1, dropout=0.0, input_deltas=True
    )
    projector = build_projector(cfg, channels=4, frames=3, hidden_size=5, hand_slices=((0, 2), (2, 4)))
    seen = {}
    projector.inner.register_forward_pre_hook(lambda module, args: seen.setdefault("x", args[0]))
    x = torch.arange(12.0).view(1, 3, 4) ** 2
    assert projector(x).shape == (1, 2, 5)
    # hand 0: its 2 channels then their differences; hand 1 likewise
    expected_first_hand = torch.cat([x[..., :2], torch.diff(x[..., :2], dim=1, prepend=x[:, :1, :2])], -1)
    torch.testing.assert_close(seen["x"][..., :4], expected_first_hand)
    assert seen["x"].shape == (1, 3, 8) and seen["x"][0, 0, 2:4].abs().sum() == 0
