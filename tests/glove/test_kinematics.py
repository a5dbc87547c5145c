import numpy as np

from sensor2text.glove.kinematics import hand_keypoints, two_hand_keypoints
from sensor2text.glove.schema import HAND_JOINTS


def test_straight_hand_points_fingers_along_y():
    points = hand_keypoints(np.zeros((1, len(HAND_JOINTS))))[0]
    assert points.shape == (21, 3)
    for base in (5, 9, 13, 17):  # MCP .. tip of each long finger
        assert points[base + 3, 1] > points[base, 1] + 5
        np.testing.assert_allclose(points[base : base + 4, 2], 0, atol=1e-9)


def test_flexion_curls_the_fingertip_toward_the_palm():
    angles = np.zeros((2, len(HAND_JOINTS)))
    angles[1, HAND_JOINTS.index("index_mcp_flex")] = 90
    straight, curled = hand_keypoints(angles)
    assert curled[8, 1] < straight[8, 1] - 3
    assert curled[8, 2] < -3


def test_two_hands_are_mirrored_and_scaled():
    angles = np.zeros((1, 2 * len(HAND_JOINTS)))
    points = two_hand_keypoints(angles, scale=1.0)[0]
    assert points.shape == (42, 3)
    assert points[:21, 0].max() < 0 < points[21:, 0].min()
    bigger = two_hand_keypoints(angles, scale=1.2)[0]
    assert np.linalg.norm(bigger[29] - bigger[21]) > np.linalg.norm(points[29] - points[21])
