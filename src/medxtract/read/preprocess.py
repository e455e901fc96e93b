"""Image clean-up for photos and scans: scale, flatten illumination, deskew, orient.

Measured on phone photos: dividing by a large blur (flattening shadows) plus deskew
beats any global or adaptive binarisation, so the image stays grey; Tesseract binarises.
"""

from __future__ import annotations

import cv2
import numpy as np

from medxtract import geometry

# Tesseract reads best with body text ~25-35 px high; a letter page at 200 dpi gets there.
TARGET_LONG_SIDE = 2200
MAX_SKEW_DEG = 6.0
# Bilevel (fax) pages: upscale factor, closing kernel (px) and edge blur (px at 1x).
# Measured on generated 200 dpi faxes (bench.hard, Tesseract alone, 2 sets of 93 and 124
# fields): closing 3 px 70->84% and 64->86%; upscaling 1.5x or 2x on top lost fields.
FAX_SCALE = 1.0
FAX_CLOSE = 3
FAX_BLUR = 0.6
FAX_PINHOLES = 0.035  # above this a bilevel page has dropouts to close (see pinholes)
# Page finding works on a small copy; a sheet must cover this share of the photo.
PAGE_FIND_SIDE = 500
PAGE_MIN_AREA, PAGE_MAX_AREA = 0.25, 0.97
PAGE_INSET = 0.006
# The upright check works at this long side (x-height about 9 px for body text).
UPRIGHT_SIDE = 1400
# At the 700 px orientation check, letters are well under this; rules and edges are not.
GLYPH_MAX_PX = 25
# A page with fewer letter-sized marks than this (at 700 px) has nothing to read.
BLANK_MARKS = 2


def rescale(image: np.ndarray, target: int = TARGET_LONG_SIDE) -> np.ndarray:
    h, w = image.shape[:2]
    scale = target / max(h, w)
    if 0.9 < scale < 1.25:
        return image  # close enough: resampling would only blur
    scale = min(scale, 2.0)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=interp)


def is_bilevel(image: np.ndarray) -> bool:
    """A fax or a 1-bit scan: nearly every pixel pure black or pure white."""
    small = image[::4, ::4]
    extreme = np.count_nonzero((small < 16) | (small > 239))
    return bool(extreme > 0.995 * small.size)


def pinholes(ink: np.ndarray) -> float:
    """Share of white pixels inside strokes (5+ of 8 neighbours inked) per inked pixel:
    0.004-0.025 on crisp 1-bit pages, 0.045-0.08 on faxes with dropouts."""
    around = cv2.filter2D(ink, cv2.CV_16S, np.ones((3, 3), np.int16),
                          borderType=cv2.BORDER_CONSTANT) - ink  # fmt: skip
    return float(np.count_nonzero((ink == 0) & (around >= 5))) / max(int(ink.sum()), 1)


def repair_bilevel(
    image: np.ndarray, scale: float = FAX_SCALE, close: int = FAX_CLOSE
) -> np.ndarray:
    """A 1-bit page made grey for OCR: smooth edges and, on a fax with dropouts, small
    gaps in strokes closed so Tesseract sees whole letters. A crisp page is not closed:
    closing joins an i's dot to its stem ("Morrls")."""
    ink: np.ndarray = (image < 128).astype(np.uint8)
    if close and pinholes(ink) > FAX_PINHOLES:
        ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((close, close), np.uint8))
    ink *= 255
    h, w = image.shape[:2]
    if scale != 1.0:
        ink = cv2.resize(ink, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    if FAX_BLUR > 0:
        ink = cv2.GaussianBlur(ink, (0, 0), FAX_BLUR * scale)
    return 255 - ink


def find_page(image: np.ndarray) -> np.ndarray | None:
    """Corners (top-left, top-right, bottom-right, bottom-left; float32, in pixels) of a
    sheet of paper photographed on a darker background, or None when there is no clear
    sheet (a scan, a tightly cropped photo, paper on a white desk, a shadow across it)."""
    h, w = image.shape[:2]
    scale = PAGE_FIND_SIDE / max(h, w)
    small = cv2.resize(image, (max(round(w * scale), 1), max(round(h * scale), 1)),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, paper = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    paper = cv2.morphologyEx(paper, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))  # fill ink
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    frame = small.shape[0] * small.shape[1]
    if not PAGE_MIN_AREA < cv2.contourArea(hull) / frame < PAGE_MAX_AREA:
        return None
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(quad) != 4 or cv2.contourArea(quad) < 0.95 * cv2.contourArea(hull):
        return None
    corners = _order_corners(quad.astype(np.float32))
    if not _holds_the_ink(small, corners):
        return None  # the "page" is a bright patch of the page: cropping would cut text
    return corners / scale


def _order_corners(pts: np.ndarray) -> np.ndarray:
    by_sum, by_diff = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[by_sum.argmin()], pts[by_diff.argmin()], pts[by_sum.argmax()], pts[by_diff.argmax()]],
        np.float32,
    )


def _holds_the_ink(small: np.ndarray, corners: np.ndarray) -> bool:
    """Nearly all text-like ink lies inside the quadrilateral (with a small margin)."""
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12
    )
    inside = np.zeros_like(ink)
    cv2.fillConvexPoly(inside, corners.astype(np.int32), 255)
    # The paper's own edge reads as a dark line just outside it: not text.
    inside = cv2.dilate(inside, np.ones((25, 25), np.uint8))
    outside = cv2.countNonZero(cv2.bitwise_and(ink, cv2.bitwise_not(inside)))
    return outside <= 0.02 * max(cv2.countNonZero(ink), 1)


def crop_page(
    image: np.ndarray, corners: np.ndarray, target: int = TARGET_LONG_SIDE
) -> tuple[np.ndarray, np.ndarray]:
    """The sheet inside `corners` warped flat (keystone and tilt removed), scaled so its
    long side is about `target`, in one resampling; with the homography (geometry's frame)
    from `image`'s pixels to the flat sheet's."""
    tl, tr, br, bl = corners
    w = np.maximum(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    h = np.maximum(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    scale = min(target / max(w, h), 2.0)
    # Cut a sliver inside the found edge: a line of table left along it confuses Tesseract.
    centre = corners.mean(axis=0)
    corners = centre + (corners - centre) * (1 - PAGE_INSET)
    shrink = geometry.identity()
    if scale < 1:  # shrink with area averaging first: a perspective warp would alias text
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        shrink = np.diag([scale, scale, 1.0])  # resize maps by fx, fy exactly
        corners, w, h, scale = corners * scale, w * scale, h * scale, 1.0
    out_w, out_h = max(round(w * scale), 1), max(round(h * scale), 1)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    flat = cv2.warpPerspective(
        image, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return flat, geometry.from_cv(m) @ shrink


def flatten_illumination(image: np.ndarray) -> np.ndarray:
    """Divide by the background (a heavy blur of a downscaled copy): shadows and gradients go."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(w // 8, 1), max(h // 8, 1)), interpolation=cv2.INTER_AREA)
    # Closing first removes the dark text so the blur estimates paper, not ink.
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    background = cv2.GaussianBlur(small, (0, 0), sigmaX=max(small.shape) / 40)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(image, background, scale=255)
    if flat.min() == flat.max():
        return np.full_like(image, 255)  # an empty page stays white, not stretched black
    # opencv's stubs omit that dst may be None (a new array), as its docs allow
    return cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload]


def _points(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    ys, xs = np.nonzero(ink)
    return ys.astype(np.float32), xs.astype(np.float32), ink.shape[:2]


def _profile_score(points: tuple, angle: float, axis: int = 1) -> float:
    """How sharply ink rows (axis=1; columns: axis=0) alternate with blank ones, with the ink
    turned `angle` degrees counter-clockwise about the centre on the same canvas: high when
    text lines run along them.

    The ink's coordinates are moved, not its image rotated: several times faster. Ink
    turned off the canvas is dropped, as a rotated image would crop it."""
    ys, xs, (h, w) = points
    a = np.deg2rad(angle)
    cos, sin = np.cos(a), np.sin(a)
    dx, dy = xs - w / 2, ys - h / 2
    # Where cv2.getRotationMatrix2D(angle) moves each point (y grows downwards).
    x2 = cos * dx + sin * dy + w / 2
    y2 = -sin * dx + cos * dy + h / 2
    keep = (x2 >= 0) & (x2 < w) & (y2 >= 0) & (y2 < h)
    along, size = (y2[keep], h) if axis == 1 else (x2[keep], w)
    # Each point shares itself between its two nearest bins: whole-pixel binning of turned
    # points beats in moire patterns that would fake sharp rows at some angles.
    low = np.floor(along)
    frac = along - low
    low = low.astype(np.intp)
    profile = np.bincount(low, weights=1 - frac, minlength=size + 1)
    profile += np.bincount(low + 1, weights=frac, minlength=size + 1)
    return float(np.square(np.diff(profile)).sum())


def _rotated_profile_score(ink: np.ndarray, angle: float) -> float:
    """Row-profile sharpness of the ink image rotated `angle` degrees counter-clockwise."""
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    rotated = cv2.warpAffine(ink, m, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
    # Row sums in whole numbers (exact), 15x faster than numpy's sum along rows.
    profile = cv2.reduce(rotated, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)
    return float(np.square(np.diff(profile)).sum())


def _shrink(image: np.ndarray, side: int, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """A copy with its long side `side` px, for measuring the page cheaply."""
    h, w = image.shape[:2]
    if max(h, w) == side:
        return image
    scale = side / max(h, w)
    size = (max(int(w * scale), 1), max(int(h * scale), 1))
    return cv2.resize(image, size, interpolation=interpolation)


def analysis_copy(image: np.ndarray) -> np.ndarray:
    """The page at UPRIGHT_SIDE (a smaller page itself), from which the checks take their
    small copies: shrinking costs in proportion to the pixels shrunk, and an OCR-scale
    page has 2.5x this one's."""
    return image if max(image.shape[:2]) <= UPRIGHT_SIDE else _shrink(image, UPRIGHT_SIDE)


def components(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels and stats of the 8-connected components of `ink` (as
    cv2.connectedComponentsWithStats). 16-bit labels measured 3x faster than 32-bit; a
    page with more components than they hold (OpenCV raises) is labelled in 32 bits."""
    try:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8,
                                                               ltype=cv2.CV_16U)  # fmt: skip
    except cv2.error:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    return labels, stats


def _letter_ink(small: np.ndarray, block: int, c: int, max_w: float, max_h: float) -> np.ndarray:
    """Ink (0/1) of the components no wider than `max_w` nor taller than `max_h`: letters,
    without the rules, boxes, page edges and shadows that would outvote them."""
    mean, inverse = cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV
    ink = cv2.adaptiveThreshold(small, 1, mean, inverse, block, c)
    labels, stats = components(ink)
    big = (stats[:, 2] > max_w) | (stats[:, 3] > max_h)
    big[0] = True  # the background
    # Inked pixels are exactly those with a label: keep the letters' labels.
    return (~big)[labels].view(np.uint8)


def _ink(image: np.ndarray) -> np.ndarray:
    small = _shrink(image, 800, cv2.INTER_LINEAR)
    return cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def _glyphs(image: np.ndarray) -> np.ndarray:
    """Glyph-sized ink of a 700 px copy (0/1)."""
    return _letter_ink(_shrink(image, 700), 21, 12, GLYPH_MAX_PX, GLYPH_MAX_PX)


def median_and_mad(image: np.ndarray) -> tuple[float, float]:
    """np.median of a uint8 image and of its absolute deviations from that median, from
    its histogram: 10x faster than sorting the pixels, the same numbers."""
    hist = np.bincount(image.ravel(), minlength=256)
    n = image.size
    # The middle element (n odd) or the two middle ones (n even), as np.median takes them.
    middle = ((n - 1) // 2 + 1, n // 2 + 1)

    def middle_of(values: np.ndarray, counts: np.ndarray) -> float:
        at = np.searchsorted(np.cumsum(counts), middle)
        return float((values[at[0]] + values[at[1]]) / 2)

    median = middle_of(np.arange(256, dtype=np.float64), hist)
    deviation = np.abs(np.arange(256, dtype=np.float64) - median)
    order = np.argsort(deviation, kind="stable")
    return median, middle_of(deviation[order], hist[order])


def is_blank(image: np.ndarray, small: np.ndarray | None = None) -> bool:
    """Nothing on the page: fewer than two marks clearly darker than the paper, "clearly"
    measured against the paper's own noise (specks and scanner grain are not marks;
    faint print on clean paper is). `small`: the page's `analysis_copy`, if made."""
    # Area averaging: grain fades, strokes stay.
    small = _shrink(image if small is None else small, 700)
    paper, spread = median_and_mad(small)
    noise = 1.4826 * spread  # robust sigma
    dark = (small < paper - max(20.0, 6 * noise)).astype(np.uint8)
    _, stats = components(dark)
    marks = int(((stats[1:, 4] >= 4) & (stats[1:, 3] >= 3)).sum())
    return marks < BLANK_MARKS


def is_sideways(image: np.ndarray, small: np.ndarray | None = None) -> bool:
    """Text lines run vertically: the column profile of the glyphs alternates more sharply
    than the row profile (each taken at its best angle within the skew range).
    `small`: the page's `analysis_copy`, if made."""
    glyphs = _glyphs(image if small is None else small)
    if glyphs.sum() < 200:
        return False  # too little text to tell
    points = _points(glyphs)
    angles = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 1.5)
    rows = max(_profile_score(points, a, axis=1) for a in angles) / glyphs.shape[1]
    cols = max(_profile_score(points, a, axis=0) for a in angles) / glyphs.shape[0]
    return cols > rows


def upright_score(image: np.ndarray, small: np.ndarray | None = None) -> float:
    """From -1 (upside down) to 1 (upright), for a deskewed page of Latin print: in each
    text line, capitals, digits and ascenders put more ink above the x-height band than
    descenders put below it. Turned 180 degrees, that flips. `small`: the page's
    `analysis_copy` (deskewed with it), if made."""
    k = UPRIGHT_SIDE / 1400  # the limits below are for a 1400 px page
    letters = _letter_ink(_shrink(image if small is None else small, UPRIGHT_SIDE),
                          25, 15, 60 * k, 40 * k)  # fmt: skip
    profile = letters.sum(axis=1).astype(np.float64)
    inked = profile > max(2.0, 0.02 * profile.max(initial=0.0))
    above = below = 0.0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        band = profile[start:stop]
        if not 6 * k <= len(band) <= 60 * k:  # not a line of text at this scale
            continue
        core = np.flatnonzero(band >= 0.5 * band.max())
        above += band[: core[0]].sum()
        below += band[core[-1] + 1 :].sum()
    return float((above - below) / max(above + below, 1.0))


def estimate_skew(image: np.ndarray) -> float:
    """Angle (degrees) that makes text rows horizontal, by maximising row-profile sharpness."""
    ink = _ink(image)
    if ink.mean() < 0.5:
        return 0.0

    # Rotating the ink image (nearest neighbour) measured better on photos than projecting
    # its points (dev seed 808 photos: 462 vs 460 of 465 fields), so skew keeps that way.
    def score(angle: float) -> float:
        return _rotated_profile_score(ink, angle)

    coarse = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5), key=score)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=score)
    return float(round(fine, 2))


def _rotation(shape: tuple[int, ...], angle: float) -> tuple[np.ndarray, int, int]:
    """OpenCV's matrix turning a page `angle` degrees counter-clockwise about its centre
    onto a canvas grown to hold it, and that canvas's width and height."""
    h, w = shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, nw, nh


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise, growing the canvas, white fill."""
    if abs(angle) < 0.05:
        return image
    m, nw, nh = _rotation(image.shape, angle)
    return cv2.warpAffine(
        image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def rotate_copy(small: np.ndarray, angle: float, shape: tuple[int, ...]) -> np.ndarray:
    """What `analysis_copy(rotate(image, angle))` gives for an `image` of `shape` (larger
    than the copy), from its copy `small`: one small warp instead of a full one and a
    shrink."""
    if abs(angle) < 0.05:
        return small
    _, nw, nh = _rotation(shape, angle)
    out = UPRIGHT_SIDE / max(nw, nh)  # analysis_copy's scale of the rotated page
    size = (max(int(nw * out), 1), max(int(nh * out), 1))
    zoom = out * max(shape[:2]) / max(small.shape[:2])  # from `small` to that scale
    h, w = small.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    m[0, 2] += size[0] / 2 - w / 2
    m[1, 2] += size[1] / 2 - h / 2
    return cv2.warpAffine(small, m, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)  # fmt: skip


def rotate_matrix(shape: tuple[int, ...], angle: float) -> np.ndarray:
    """Where `rotate` moves each point of an image of this shape (geometry's frame)."""
    if abs(angle) < 0.05:
        return geometry.identity()
    return geometry.from_cv(_rotation(shape, angle)[0])


def turn(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[degrees_clockwise]) if degrees_clockwise in codes else image


def turn_matrix(shape: tuple[int, ...], degrees_clockwise: int) -> np.ndarray:
    """Where `turn` moves each point of an image of this shape (geometry's frame)."""
    h, w = shape[:2]
    matrices = {
        90: [[0, -1, h], [1, 0, 0], [0, 0, 1]],  # the left edge becomes the top
        180: [[-1, 0, w], [0, -1, h], [0, 0, 1]],
        270: [[0, 1, 0], [-1, 0, w], [0, 0, 1]],  # the right edge becomes the top
    }
    return np.array(matrices.get(degrees_clockwise, np.eye(3)), np.float64)
