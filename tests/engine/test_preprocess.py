"""Image clean-up on generated pages with known geometry: page finding, skew, orientation."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from medxtract.read import preprocess
from medxtract.synth import degrade, generate_one, writer


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """A generated prescription rendered at 100 dpi (white paper, black print)."""
    pdf, _ = generate_one("prescription", "clean", random.Random("preprocess-tests"), split="seed")
    return writer.rasterise(pdf, 100)[0]


def _on_table(page: np.ndarray, corners: np.ndarray, size=(1500, 1200)) -> np.ndarray:
    """The page photographed on a dark table: warped so its corners land on `corners`."""
    h, w = page.shape
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    paper = (page.astype(np.float32) * 0.8 + 30).astype(np.uint8)  # grey paper, dark ink
    scene = cv2.warpPerspective(paper, m, size[::-1], borderValue=70)
    noise = np.random.default_rng(1).normal(0, 4, scene.shape)
    return np.clip(scene + noise, 0, 255).astype(np.uint8)


def test_find_page_locates_a_keystoned_sheet_on_a_table(page):
    truth = np.float32([[180, 120], [1010, 160], [1060, 1330], [130, 1390]])
    corners = preprocess.find_page(_on_table(page, truth))
    assert corners is not None
    # Within 1.5% of the frame's long side, corner by corner, in the right order.
    assert np.abs(corners - truth).max() < 0.015 * 1500


def test_crop_page_undoes_the_keystone(page):
    truth = np.float32([[180, 120], [1010, 160], [1060, 1330], [130, 1390]])
    scene = _on_table(page, truth)
    flat, _ = preprocess.crop_page(scene, preprocess.find_page(scene), target=1100)
    h, w = flat.shape
    assert max(h, w) == pytest.approx(1100, abs=15)
    assert w / h == pytest.approx(page.shape[1] / page.shape[0], rel=0.06)
    # The table is gone: the border of the crop is paper, not the dark background.
    border = np.concatenate([flat[3, :], flat[-4, :], flat[:, 3], flat[:, -4]])
    assert np.median(border) > 150


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: p, id="scan filling the frame"),
        pytest.param(lambda p: np.full((1200, 900), 90, np.uint8), id="no paper at all"),
        pytest.param(lambda p: cv2.resize(p, None, fx=0.3, fy=0.3), id="tiny"),
    ],
)
def test_find_page_declines_when_there_is_no_clear_sheet(page, make):
    image = make(page)
    if image.shape[0] < 500:  # the tiny page sits in a big dark frame: under 25% of it
        frame = np.full((1200, 1000), 60, np.uint8)
        frame[100 : 100 + image.shape[0], 100 : 100 + image.shape[1]] = image
        image = frame
    assert preprocess.find_page(image) is None


def test_find_page_declines_when_the_sheet_would_cut_off_text(page):
    """Paper whose lower half is in deep shadow: the bright part is not the page."""
    truth = np.float32([[100, 60], [1100, 60], [1100, 1440], [100, 1440]])
    scene = _on_table(page, truth).astype(np.float32)
    scene[750:, :] *= 0.35
    corners = preprocess.find_page(scene.astype(np.uint8))
    if corners is not None:  # a crop is fine only if it keeps the shadowed text
        assert corners[:, 1].max() > 1400


@pytest.mark.parametrize("angle", [-3.2, -0.8, 1.5, 4.0])
def test_estimate_skew_recovers_the_tilt(page, angle):
    tilted = preprocess.rotate(page, -angle)
    assert preprocess.estimate_skew(tilted) == pytest.approx(angle, abs=0.25)


def test_is_sideways(page):
    assert not preprocess.is_sideways(page)
    assert preprocess.is_sideways(preprocess.turn(page, 90))
    assert preprocess.is_sideways(preprocess.turn(page, 270))


def _scanned_pages(kind: str, name: str, seed: int):
    """Every page of three generated documents of `kind`, scanned, at OCR scale."""
    nrng = np.random.default_rng(seed)
    for i in range(3):
        pdf, _ = generate_one(kind, "clean", random.Random(f"{name}-{kind}-{i}"), split="seed")
        for gray in writer.rasterise(pdf, 200):
            yield preprocess.rescale(degrade.scan(gray, nrng))


@pytest.mark.parametrize("kind", ["prescription", "patient_details"])
def test_is_sideways_on_scanned_pages(kind):
    """Upright and turned either way."""
    for scan in _scanned_pages(kind, "sideways", 7):
        assert not preprocess.is_sideways(scan)
        assert not preprocess.is_sideways(preprocess.turn(scan, 180))
        assert preprocess.is_sideways(preprocess.turn(scan, 90))
        assert preprocess.is_sideways(preprocess.turn(scan, 270))


@pytest.mark.parametrize("kind", ["prescription", "patient_details"])
def test_upright_score_tells_upside_down_pages(kind):
    for scan in _scanned_pages(kind, "upright", 11):
        scan = preprocess.rotate(scan, preprocess.estimate_skew(scan))
        assert preprocess.upright_score(scan) > 0.1
        assert preprocess.upright_score(preprocess.turn(scan, 180)) < -0.1


def test_an_upside_down_scan_is_read_upright():
    import medxtract

    pdf, truth = generate_one("prescription", "clean", random.Random("upside-down"), split="seed")
    gray = writer.rasterise(pdf, 200)[0]
    turned = writer.image_pdf([preprocess.turn(gray, 180)], 200, 85)
    result = medxtract.extract(turned)
    assert result.page_info[0].rotation == 180
    assert result.fields["patient_name"].value == truth["fields"]["patient_name"]


def test_a_wrong_osd_turn_is_read_back(monkeypatch):
    """Fault injection: OSD says "upside down" of an upright page whose line shapes are
    not sure; the turned reading is poor, so the page is read the other way too and kept
    upright."""
    import medxtract
    from medxtract.read import read_page
    from medxtract.read.engines.tesseract import TesseractEngine

    pdf, truth = generate_one("prescription", "clean", random.Random("osd-wrong"), split="seed")
    gray = writer.rasterise(pdf, 200)[0]
    monkeypatch.setattr(read_page.preprocess, "upright_score", lambda *a, **k: 0.0)
    monkeypatch.setattr(TesseractEngine, "orientation", lambda self, image: (180, 9.0))
    result = medxtract.extract(writer.image_pdf([gray], 200, 85))
    assert result.page_info[0].rotation == 0
    assert result.fields["date"].value == truth["fields"]["date"]

@pytest.mark.parametrize("kind", ["prescription", "patient_details"])
def test_the_checks_on_the_analysis_copy_agree_with_the_full_page(kind):
    """The checks measure one small copy, turned and deskewed with the page, instead of
    shrinking the full page each: their verdicts stay those of the full page."""
    for scan in _scanned_pages(kind, "analysis-copy", 13):
        small = preprocess.analysis_copy(scan)
        assert max(small.shape) == preprocess.UPRIGHT_SIDE < max(scan.shape)
        for degrees in (0, 90, 180, 270):
            turned = preprocess.turn(scan, degrees)
            verdict = preprocess.is_sideways(turned)
            assert preprocess.is_sideways(turned, preprocess.turn(small, degrees)) == verdict
        skew = preprocess.estimate_skew(scan)
        level = preprocess.rotate(scan, skew)
        copy = preprocess.rotate_copy(small, skew, scan.shape)
        assert copy.shape == preprocess.analysis_copy(level).shape
        # The same verdict: upright, and upside down once turned (the copy's resampling
        # moves the score a few hundredths).
        assert preprocess.upright_score(level) > 0.1
        assert preprocess.upright_score(level, copy) > 0.1
        assert preprocess.upright_score(preprocess.turn(level, 180)) < -0.1
        assert preprocess.upright_score(
            preprocess.turn(level, 180), preprocess.turn(copy, 180)
        ) < -0.1
        assert not preprocess.is_blank(level, copy)
    blank = np.full((2200, 1700), 235, np.uint8)
    assert preprocess.is_blank(blank, preprocess.analysis_copy(blank))


def test_components_are_opencvs_and_hold_more_than_16_bits_of_labels():
    rng = np.random.default_rng(5)
    ink = (rng.random((300, 400)) < 0.3).astype(np.uint8)
    labels, stats = preprocess.components(ink)
    n, ref_labels, ref_stats, _ = cv2.connectedComponentsWithStats(ink)
    assert np.array_equal(labels, ref_labels) and np.array_equal(stats, ref_stats)
    dots = np.zeros((600, 600), np.uint8)
    dots[::2, ::2] = 1  # 90,000 specks: more labels than 16 bits hold
    labels, stats = preprocess.components(dots)
    assert len(stats) == 90_001 and labels.max() == 90_000


def test_median_and_mad_are_numpys():
    rng = np.random.default_rng(9)
    sizes = [(1, 1), (1, 2), (7, 9), (40, 31)]
    images = [rng.integers(0, 256, size, dtype=np.uint8) for size in sizes]
    images.append(np.clip(rng.normal(210, 4, (64, 50)), 0, 255).astype(np.uint8))
    for image in images:
        median = float(np.median(image))
        mad = float(np.median(np.abs(image.astype(np.float32) - median)))
        assert preprocess.median_and_mad(image) == (median, mad)
