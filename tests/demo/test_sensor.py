"""Simulated camera sensors: deterministic per seed, distinct per camera, visible in the output."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lodestar.demo.photos import scene
from lodestar.demo.sensor import apply_sensor, sensor_pattern, sensor_shots

SHAPE = (96, 128)  # (h, w)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_pattern_is_deterministic_and_differs_per_seed() -> None:
    a, again, b = sensor_pattern(1, SHAPE), sensor_pattern(1, SHAPE), sensor_pattern(2, SHAPE)
    assert a.shape == SHAPE and a.dtype == np.float32
    np.testing.assert_array_equal(a, again)
    assert abs(_corr(a, b)) < 0.1


def test_pattern_is_zero_mean_with_requested_strength_and_row_structure() -> None:
    k = sensor_pattern(7, (256, 256), strength=0.02)
    assert abs(float(k.mean())) < 1e-6
    assert float(k.std()) == pytest.approx(0.02, rel=1e-3)
    # white noise alone would give row means of std ≈ 0.02/16; the readout structure adds more
    assert float(k.mean(axis=1).std()) > 0.02 * 0.1


def test_apply_sensor_is_deterministic_per_seed() -> None:
    img = scene(3, (SHAPE[1], SHAPE[0]), grain=0)
    k = sensor_pattern(1, SHAPE)
    first = apply_sensor(img, k, seed=5, jpeg_quality=85)
    assert first == apply_sensor(img, k, seed=5, jpeg_quality=85)
    assert first != apply_sensor(img, k, seed=6, jpeg_quality=85)
    decoded = Image.open(io.BytesIO(first))
    assert decoded.format == "JPEG" and decoded.size == (SHAPE[1], SHAPE[0])


def test_the_pattern_shows_in_the_output() -> None:
    k = sensor_pattern(4, SHAPE, strength=0.02)
    flat = Image.new("RGB", (SHAPE[1], SHAPE[0]), (160, 160, 160))
    shots = [
        np.asarray(Image.open(io.BytesIO(apply_sensor(flat, k, seed=s, jpeg_quality=98))), float)
        for s in range(8)
    ]
    mean = np.mean(shots, axis=(0, 3))
    assert _corr(mean / 160.0 - 1.0, k) > 0.5
    assert abs(_corr(mean / 160.0 - 1.0, sensor_pattern(5, SHAPE))) < 0.1


def test_apply_sensor_refuses_a_pattern_of_another_shape() -> None:
    with pytest.raises(ValueError, match="sensor pattern"):
        apply_sensor(Image.new("RGB", (64, 64)), sensor_pattern(1, (32, 64)), seed=0)


def test_sensor_shots_are_deterministic() -> None:
    first = list(sensor_shots(3, range(2), (64, 48), jpeg_quality=80))
    assert len(first) == 2 and first[0] != first[1]
    assert first == list(sensor_shots(3, range(2), (64, 48), jpeg_quality=80))
    assert first != list(sensor_shots(4, range(2), (64, 48), jpeg_quality=80))
