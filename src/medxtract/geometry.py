"""Page geometry: 3x3 homographies between the pixel frames a page image passes through.

Points are continuous pixel coordinates: a w x h image covers [0, w] x [0, h], (0, 0) its
top-left corner, y pointing down. A matrix H maps a point p of one frame to H @ (x, y, 1)
of another (divided by its third coordinate). Composing steps is multiplying matrices.
"""

from __future__ import annotations

import numpy as np

Size = tuple[int, int]  # (width, height) in pixels
Box = tuple[float, float, float, float]  # relative (x0, y0, x1, y1)


def identity() -> np.ndarray:
    return np.eye(3)


def scaling(src: Size, dst: Size) -> np.ndarray:
    """The picture of a `src`-sized image, resized to `dst`."""
    return np.diag([dst[0] / max(src[0], 1), dst[1] / max(src[1], 1), 1.0])


def from_cv(m: np.ndarray) -> np.ndarray:
    """An OpenCV warp matrix (2x3 affine or 3x3, pixel centres at integers) in our
    continuous frame, where a pixel's centre is at +0.5."""
    h = np.vstack([m, [0.0, 0.0, 1.0]]) if m.shape == (2, 3) else np.asarray(m, np.float64)
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    return shift @ h @ np.linalg.inv(shift)


def map_points(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, 2) points through H."""
    pts = np.hstack([np.asarray(points, np.float64).reshape(-1, 2), np.ones((len(points), 1))])
    out = pts @ np.asarray(h, np.float64).T
    return out[:, :2] / out[:, 2:3]


def map_box(h: np.ndarray, box: Box, src: Size, dst: Size) -> Box:
    """A relative box on a `src`-sized image, through H (src pixels -> dst pixels), as a
    relative box on the `dst`-sized one: the axis-aligned bounds of its four corners,
    clipped to the page and rounded to 4 decimals (a tenth of a pixel at 1000 px)."""
    x0, y0, x1, y1 = (box[0] * src[0], box[1] * src[1], box[2] * src[0], box[3] * src[1])
    corners = map_points(h, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    lo = corners.min(axis=0) / np.array(dst, np.float64)
    hi = corners.max(axis=0) / np.array(dst, np.float64)
    lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return (round(float(lo[0]), 4), round(float(lo[1]), 4),
            round(float(hi[0]), 4), round(float(hi[1]), 4))  # fmt: skip
