"""Turn a clean page raster into a flatbed scan or a phone photo.

Degradations stay mild enough that a person still reads every word: the aim is to
look like the real seed samples, not to defeat OCR.
"""

from __future__ import annotations

import cv2
import numpy as np


def _sign(rng: np.random.Generator) -> float:
    return float(rng.choice((-1.0, 1.0)))


def scan(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grayscale scan: off-white paper, small skew, slight blur, sensor noise."""
    return scan_with_transform(gray, rng)[0]


def scan_with_transform(
    gray: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`scan()`, plus the 2x3 affine matrix that took each input pixel (x, y) to where it
    lies in the scan, so text placed by page position can follow the skewed paper."""
    paper = rng.uniform(232, 250)
    ink = rng.uniform(10, 35)
    img: np.ndarray = ink + gray.astype(np.float32) * ((paper - ink) / 255.0)
    h, w = img.shape
    angle = _sign(rng) * rng.uniform(0.5, 2.5)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(
        img,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(paper),
    )
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 0.9))
    img += rng.normal(0, rng.uniform(3, 8), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), m


def photo(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB phone photo: page on a table, tilted and keystoned, uneven light, a soft shadow."""
    # Lower contrast and a warm paper tint, as indoor light gives.
    paper = rng.uniform(200, 238)
    ink = rng.uniform(35, 70)
    g = ink + gray.astype(np.float32) * ((paper - ink) / 255.0)
    tint = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.88, 0.98)], np.float32)
    img = g[..., None] * tint[None, None, :]

    # Put the page on a background and warp it: rotation up to 4 degrees + keystone.
    h, w = g.shape
    pad = int(max(h, w) * rng.uniform(0.03, 0.07))
    # A table or desk: grey to brown, never a saturated colour.
    g_ratio = rng.uniform(0.82, 1.0)
    bg = rng.uniform(60, 150) * np.array([1.0, g_ratio, g_ratio * rng.uniform(0.75, 1.0)])
    big: np.ndarray = np.empty((h + 2 * pad, w + 2 * pad, 3), np.float32)
    big[:] = bg.astype(np.float32)
    big[pad : pad + h, pad : pad + w] = img
    H, W = big.shape[:2]
    src = np.array([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], np.float32)
    jitter = rng.uniform(-0.025, 0.025, (4, 2)) * np.array([w, h], np.float32)
    angle = np.deg2rad(_sign(rng) * rng.uniform(0.3, 4.0))
    c, s = np.cos(angle), np.sin(angle)
    centre = np.array([W / 2, H / 2], np.float32)
    dst = (src - centre) @ np.array([[c, s], [-s, c]], np.float32) + centre + jitter
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    big = cv2.warpPerspective(
        big,
        m,
        (W, H),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=tuple(bg.tolist()),
    )

    big *= _illumination(H, W, rng)[..., None]
    big = cv2.GaussianBlur(big, (0, 0), rng.uniform(0.6, 1.2))
    big += rng.normal(0, rng.uniform(2, 6), big.shape).astype(np.float32)
    out = np.clip(big, 0, 255).astype(np.uint8)
    if rng.random() < 1 / 6:  # a sideways or upside-down photo
        out = np.ascontiguousarray(np.rot90(out, int(rng.choice((1, 2, 3)))))
    return out


def _illumination(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative light field: a linear fall-off plus, often, one soft shadow."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(theta) * xx / w + np.sin(theta) * yy / h
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    field = 1.0 - rng.uniform(0.1, 0.3) * ramp
    if rng.random() < 0.6:
        # A blurred ellipse like a hand or phone shadow falling on part of the page.
        small: np.ndarray = np.ones((h // 8 + 1, w // 8 + 1), np.float32)
        cx, cy = rng.uniform(0, small.shape[1]), rng.uniform(small.shape[0] * 0.3, small.shape[0])
        sh, sw = small.shape
        axes = (int(sw * rng.uniform(0.2, 0.5)), int(sh * rng.uniform(0.2, 0.45)))
        cv2.ellipse(
            small,
            (int(cx), int(cy)),
            axes,
            rng.uniform(0, 180),
            0,
            360,
            float(rng.uniform(0.6, 0.78)),
            -1,
        )
        small = cv2.GaussianBlur(small, (0, 0), max(small.shape) * rng.uniform(0.03, 0.07))
        field *= cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return field.astype(np.float32)


def fax(gray: np.ndarray, rng: np.random.Generator, header: str) -> np.ndarray:
    """A received fax: 1-bit at ~200 dpi, a transmit header line printed along the top,
    broken strokes, a few streaks and speckles. Returns a 0/255 uint8 array."""
    h, w = gray.shape
    img: np.ndarray = gray.astype(np.float32)
    angle = _sign(rng) * rng.uniform(0.2, 1.2)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_CONSTANT, borderValue=255.0)
    img += rng.normal(0, 28, img.shape).astype(np.float32)  # what makes strokes break up
    bw = np.where(img < rng.uniform(120, 165), 0, 255).astype(np.uint8)
    # Broken strokes: white out short random runs along some rows.
    for _ in range(int(h * rng.uniform(0.05, 0.15))):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        bw[y, x : x + int(rng.integers(5, 40))] = 255
    # Streaks: a few thin dark horizontal lines from a dirty scanner bar.
    for _ in range(int(rng.integers(1, 4))):
        y = int(rng.integers(0, h))
        bw[y : y + int(rng.integers(1, 3)), :] = np.where(rng.random(w) < 0.7, 0, 255)
    speck = rng.random(bw.shape) < rng.uniform(0.0005, 0.002)
    bw[speck] = 0
    # The sending machine's header, in its own blocky type, above the page content.
    bw[: int(h * 0.03)] = 255
    cv2.putText(
        bw,
        header,
        (int(w * 0.03), int(h * 0.022)),
        cv2.FONT_HERSHEY_PLAIN,
        h / 1100,
        0,
        max(1, h // 900),
        cv2.LINE_8,
    )
    return bw


def curl(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Page curl: the paper bends near the bottom (a smooth warp whose lines tilt and bow
    more the lower they are), as when a bound or folded page is re-scanned or photographed."""
    h, w = gray.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    v = yy / h  # 0 at the top, 1 at the bottom
    u = xx / w - 0.5
    tilt = _sign(rng) * rng.uniform(0.02, 0.05) * h  # extra drop at the right edge, bottom
    bow = rng.uniform(0.015, 0.04) * h  # the middle of a bottom line sags this much
    dy = (v**2) * (tilt * u + bow * (1 - 4 * u**2))
    dx = (v**3) * _sign(rng) * rng.uniform(0.0, 0.015) * w * np.sin(np.pi * u)
    warped = cv2.remap(
        gray, xx - dx, yy - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
    # The bent part catches less light.
    shade = 1.0 - rng.uniform(0.05, 0.15) * (v**2) * (1 + u)
    return np.clip(warped.astype(np.float32) * shade, 0, 255).astype(np.uint8)
