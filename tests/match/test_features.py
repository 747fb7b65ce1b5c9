"""FeatureIndex: the exact flat index and the inverted file it switches to at scale."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lodestar.demo.photos import jpeg_bytes, scene
from lodestar.match.features import (
    FeatureIndex,
    LocalFeatures,
    features_from_bytes,
    features_from_image,
    ivf_lists,
)

SIZE = (640, 480)


@pytest.fixture(scope="module")
def originals() -> list[LocalFeatures]:
    return [features_from_image(scene(seed, SIZE)) for seed in range(8)]


def _crop(seed: int) -> LocalFeatures:
    img = scene(seed, SIZE)
    w, h = img.size
    edited = img.crop((w // 10, h // 12, w - w // 10, h - h // 12)).rotate(
        4, resample=Image.Resampling.BICUBIC
    )
    return features_from_bytes(jpeg_bytes(edited, 80))


def _index(feats: list[LocalFeatures], flat_max: int) -> FeatureIndex:
    index = FeatureIndex(flat_max=flat_max)
    for i, f in enumerate(feats):
        index.add(i, f)
    return index


def test_small_collections_stay_flat(originals: list[LocalFeatures]) -> None:
    assert _index(originals, flat_max=10**9).method == "flat"


def test_inverted_file_shortlists_edited_copies_like_flat(
    originals: list[LocalFeatures],
) -> None:
    ivf = _index(originals, flat_max=500)
    flat = _index(originals, flat_max=10**9)
    assert ivf.method.startswith("ivf")
    for seed in (1, 5):
        copy = _crop(seed)
        assert ivf.shortlist(copy)[0] == flat.shortlist(copy)[0] == seed
        found = [i for i, _ in ivf.search(copy)]
        assert found == [seed]


def test_labels_stay_right_across_rebuilds(originals: list[LocalFeatures]) -> None:
    # flat_max under one image: every REBUILD_GROWTH-fold growth rebuilds, owners must follow.
    empty = LocalFeatures(
        np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), (1, 1), np.zeros((1, 1))
    )
    index = FeatureIndex(flat_max=50)
    index.add(100, empty)  # no descriptors: no owner entries
    builds = set()
    for i, f in enumerate(originals):
        index.add(i, f)
        builds.add(index._built_at)  # descriptors at the last rebuild
        assert index.method.startswith("ivf")
        assert index.shortlist(f)[0] == i
    assert len(builds) >= 2
    assert index.shortlist(_crop(6))[0] == 6
    with pytest.raises(ValueError, match="already indexed"):
        index.add(3, originals[3])


def test_cells_grow_with_the_square_root() -> None:
    assert ivf_lists(10) == 256
    assert ivf_lists(1_000_000) == 2048
    assert ivf_lists(4_000_000) == 4096
    assert ivf_lists(10**9) == 8192
