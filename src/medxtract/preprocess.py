"""Image clean-up for photos and scans: scale, flatten illumination, deskew, orient.

Measured on phone photos: dividing by a large blur (flattening shadows) plus deskew
beats any global or adaptive binarisation, so the image stays grey; Tesseract binarises.
"""

from __future__ import annotations

import cv2
import numpy as np

# Tesseract reads best with body text ~25-35 px high; a letter page at 200 dpi gets there.
TARGET_LONG_SIDE = 2200
MAX_SKEW_DEG = 6.0


def rescale(image: np.ndarray, target: int = TARGET_LONG_SIDE) -> np.ndarray:
    h, w = image.shape[:2]
    scale = target / max(h, w)
    if 0.9 < scale < 1.25:
        return image  # close enough: resampling would only blur
    scale = min(scale, 2.0)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=interp)


def flatten_illumination(image: np.ndarray) -> np.ndarray:
    """Divide by the background (a heavy blur of a downscaled copy): shadows and gradients go."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(w // 8, 1), max(h // 8, 1)), interpolation=cv2.INTER_AREA)
    # Closing first removes the dark text so the blur estimates paper, not ink.
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    background = cv2.GaussianBlur(small, (0, 0), sigmaX=max(small.shape) / 40)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(image, background, scale=255)
    return cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)


def _ink(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(image, (max(int(w * scale), 1), max(int(h * scale), 1)))
    return cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def _profile_score(ink: np.ndarray, angle: float) -> float:
    """How sharply ink rows alternate with blank rows: high when text lines are horizontal."""
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    rotated = cv2.warpAffine(ink, m, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
    profile = rotated.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(profile)).sum())


def is_sideways(image: np.ndarray) -> bool:
    """Text lines run vertically: smearing ink along columns makes more line-like blobs than
    smearing along rows. Page edges and dark backgrounds are too big to count as text."""
    h, w = image.shape[:2]
    scale = 1000 / max(h, w)
    small = cv2.resize(image, (max(int(w * scale), 1), max(int(h * scale), 1)))
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )

    def line_blobs(kernel: tuple[int, int], along_x: bool) -> int:
        merged = cv2.dilate(ink, np.ones(kernel, np.uint8))
        _, _, stats, _ = cv2.connectedComponentsWithStats(merged)
        bw, bh = stats[1:, 2], stats[1:, 3]
        long, short = (bw, bh) if along_x else (bh, bw)
        return int(((long > 4 * short) & (short < 30) & (short > 3) & (long < 600)).sum())

    rows = line_blobs((1, 9), along_x=True)
    cols = line_blobs((9, 1), along_x=False)
    return cols > 2 * max(rows, 3)


def estimate_skew(image: np.ndarray) -> float:
    """Angle (degrees) that makes text rows horizontal, by maximising row-profile sharpness."""
    ink = _ink(image)
    if ink.mean() < 0.5:
        return 0.0

    def score(angle: float) -> float:
        return _profile_score(ink, angle)

    coarse = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5), key=score)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=score)
    return float(round(fine, 2))


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise, growing the canvas, white fill."""
    if abs(angle) < 0.05:
        return image
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(
        image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def turn(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[degrees_clockwise]) if degrees_clockwise in codes else image
