"""PRNU: residuals, fingerprints, PCE, files and matching on simulated sensors (benign scenes).

Two simulated cameras (``lodestar.demo.sensor``) shoot procedural scenes as 320×288 JPEGs; the
tests work on 256² centre crops so the whole module runs in a few seconds.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lodestar.demo.sensor import sensor_shots
from lodestar.series import prnu as P

FRAME = (320, 288)  # (w, h)
CROP = 256
TRAIN, TEST = 5, 2


def _shots(folder: Path, camera: int, seeds: range, size: tuple[int, int] = FRAME) -> list[Path]:
    paths = []
    for seed, data in zip(seeds, sensor_shots(camera, seeds, size, jpeg_quality=90), strict=True):
        path = folder / f"cam{camera}-{size[0]}x{size[1]}-{seed}.jpg"
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Path]]:
    folder = tmp_path_factory.mktemp("prnu")
    return {cam: _shots(folder, cam, range(100 * cam, 100 * cam + TRAIN + TEST)) for cam in (1, 2)}


@pytest.fixture(scope="module")
def fingerprints(shots: dict[int, list[Path]]) -> list[P.CameraFingerprint]:
    return [P.CameraFingerprint.from_files(f"cam{c}", p[:TRAIN], CROP) for c, p in shots.items()]


# -- residual ---------------------------------------------------------------------------------


def test_residual_of_flat_image_is_zero() -> None:
    residual = P.noise_residual(np.full((CROP, CROP), 137.0, np.float32))
    assert residual.dtype == np.float32 and residual.shape == (CROP, CROP)
    assert float(np.abs(residual).max()) < 1e-3


def test_residual_keeps_white_noise_and_any_shape() -> None:
    noise = np.random.default_rng(5).normal(0.0, 3.0, (250, 301)).astype(np.float32)
    residual = P.noise_residual(128.0 + noise)
    assert residual.shape == noise.shape and residual.dtype == np.float32
    assert np.corrcoef(residual.ravel(), noise.ravel())[0, 1] > 0.8


def test_residual_refuses_colour_and_nan() -> None:
    with pytest.raises(P.PrnuError, match="2-D"):
        P.noise_residual(np.zeros((64, 64, 3), np.float32))
    bad = np.zeros((64, 64), np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(P.PrnuError, match="NaN"):
        P.noise_residual(bad)


# -- PCE --------------------------------------------------------------------------------------


def test_pce_sign_shift_and_search_radius() -> None:
    rng = np.random.default_rng(1)
    k = rng.standard_normal((128, 128)).astype(np.float32)
    x = k + 3.0 * rng.standard_normal((128, 128)).astype(np.float32)
    assert P.pce(x, k) > 200
    assert P.pce(x, -k) < -200
    shifted = np.roll(x, (2, -3), axis=(0, 1))
    assert abs(P.pce(shifted, k)) < 60  # zero shift only: misaligned frames do not match
    assert P.pce(shifted, k, search_radius=4) > 200
    with pytest.raises(P.PrnuError, match="one shape"):
        P.pce(x, k[:64])


# -- fingerprints and matching ----------------------------------------------------------------


def test_same_camera_matches_and_other_camera_does_not(
    shots: dict[int, list[Path]], fingerprints: list[P.CameraFingerprint]
) -> None:
    for cam, paths in shots.items():
        for path in paths[TRAIN:]:
            scores = dict(P.match_file(path, fingerprints, None))
            assert scores[f"cam{cam}"] > P.PCE_THRESHOLD, path.name
            others = [s for fid, s in scores.items() if fid != f"cam{cam}"]
            assert max(others) < P.PCE_THRESHOLD, path.name
            assert [fid for fid, _ in P.match_file(path, fingerprints)] == [f"cam{cam}"]


def test_match_on_a_residual_uses_k_alone(
    shots: dict[int, list[Path]], fingerprints: list[P.CameraFingerprint]
) -> None:
    gray = P.load_gray(shots[2][-1], CROP)
    assert gray is not None
    ranked = P.match_image(P.noise_residual(gray), fingerprints, None)
    assert ranked[0][0] == "cam2" and ranked[0][1] > P.PCE_THRESHOLD > ranked[1][1]


def test_fingerprint_metadata(fingerprints: list[P.CameraFingerprint]) -> None:
    fp = fingerprints[0]
    assert (fp.id, fp.size, fp.crop, fp.n_images) == ("cam1", FRAME, CROP, TRAIN)
    assert fp.fingerprint.dtype == np.float32 and fp.fingerprint.shape == (CROP, CROP)
    assert abs(float(fp.fingerprint.mean())) < 1e-4  # zero-mean


def test_estimate_refuses_images_of_another_size() -> None:
    flat = np.full((CROP, CROP), 100.0, np.float32)
    with pytest.raises(P.PrnuError, match="one size and orientation"):
        P.estimate_fingerprint([flat, flat.T[:, :200]])
    with pytest.raises(P.PrnuError, match="no images"):
        P.estimate_fingerprint([])


def test_from_files_refuses_a_frame_of_another_size(
    tmp_path: Path, shots: dict[int, list[Path]]
) -> None:
    odd = _shots(tmp_path, 1, range(500, 501), size=(FRAME[1], FRAME[0]))[0]  # portrait
    with pytest.raises(P.PrnuError, match=odd.name):
        P.CameraFingerprint.from_files("cam1", [*shots[1][:2], odd], CROP)


def test_match_refuses_other_frame_size_or_crop(
    tmp_path: Path, fingerprints: list[P.CameraFingerprint]
) -> None:
    gray = np.full((CROP, CROP), 90.0, np.float32)
    with pytest.raises(P.PrnuError, match="frames of one size"):
        P.match_image(gray, fingerprints, size=(FRAME[1], FRAME[0]))
    with pytest.raises(P.PrnuError, match="crop"):
        P.match_image(gray[:128, :128], fingerprints)
    portrait = _shots(tmp_path, 1, range(600, 601), size=(FRAME[1], FRAME[0]))[0]
    assert P.match_file(portrait, fingerprints, None) == []  # no fingerprint for that size


def test_save_load_round_trip(tmp_path: Path, fingerprints: list[P.CameraFingerprint]) -> None:
    fp = fingerprints[1]
    path = fp.save(tmp_path / "cam2.prnu.npz")
    assert path == tmp_path / "cam2.prnu.npz" and path.exists()
    back = P.CameraFingerprint.load(path)
    assert (back.id, back.size, back.crop, back.n_images, back.method) == (
        fp.id,
        fp.size,
        fp.crop,
        fp.n_images,
        fp.method,
    )
    np.testing.assert_array_equal(back.fingerprint, fp.fingerprint)


@pytest.mark.parametrize("content", [b"", b"not a numpy file", b"PK\x03\x04truncated zip"])
def test_load_corrupt_fingerprint_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(P.PrnuError, match="broken.npz"):
        P.CameraFingerprint.load(path)


def test_load_fingerprint_without_metadata_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bare.npz"
    np.savez(path, fingerprint=np.zeros((8, 8), np.float32))
    with pytest.raises(P.PrnuError, match="bare.npz"):
        P.CameraFingerprint.load(path)


# -- files --------------------------------------------------------------------------------------


def test_corrupt_image_is_a_clear_error_and_skipped_in_a_set(
    tmp_path: Path, shots: dict[int, list[Path]]
) -> None:
    bad = tmp_path / "truncated.jpg"
    bad.write_bytes(shots[1][0].read_bytes()[:400])
    with pytest.raises(P.PrnuError, match="truncated.jpg"):
        P.load_gray(bad, CROP)
    with pytest.warns(UserWarning, match="truncated.jpg"):
        fp = P.CameraFingerprint.from_files("cam1", [bad, *shots[1][:3]], CROP)
    assert fp.n_images == 3


def test_small_image_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    Image.new("RGB", (200, 300), (90, 90, 90)).save(path)
    assert P.load_gray(path, CROP) is None
    with warnings.catch_warnings(), pytest.raises(P.PrnuError, match="no usable image"):
        warnings.simplefilter("ignore")
        P.CameraFingerprint.from_files("x", [path], CROP)


def test_load_gray_centre_crop_in_stored_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (FRAME[1], FRAME[0], 3), dtype=np.uint8)
    img = Image.fromarray(pixels, "RGB")
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° to display": the sensor layout is the stored one
    path = tmp_path / "rotated.png"
    img.save(path, exif=exif)
    got = P.read_gray(path, CROP)
    assert got is not None and got.size == FRAME and got.pixels.shape == (CROP, CROP)
    top, left = (FRAME[1] - CROP) // 2, (FRAME[0] - CROP) // 2
    want = pixels[top : top + CROP, left : left + CROP].astype(np.float32) @ P.LUMA
    np.testing.assert_allclose(got.pixels, want, atol=1e-3)
    assert P.read_gray(path, CROP, orientation="reject") is None
