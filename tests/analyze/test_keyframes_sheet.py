"""A video's contact sheet: grid, timestamps, scene changes framed, cells capped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lodestar.analyze.keyframes import contact_sheet, extract_keyframes, format_time
from lodestar.analyze.keyframes.sheet import pick

from .keyframe_videos import write_cut_video


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sheet")
    return write_cut_video(folder / "cut.mp4", [(1, 2.5), (2, 2.5)], gop=30)


def test_contact_sheet_grid_and_labels(cut: Path) -> None:
    frames = extract_keyframes(cut)
    sheet = contact_sheet(frames, columns=4)
    cell_h = round(256 * 240 / 320)
    assert sheet.width == 4 * (256 + 6) + 6
    assert sheet.height == 2 * (cell_h + 22 + 6) + 6
    arr = np.asarray(sheet)
    caption = arr[6 + cell_h + 4 : 6 + cell_h + 20, 8:200]
    assert (caption.max(axis=2) > 200).sum() > 50  # the printed timestamp
    x = 6 + 3 * (256 + 6)  # the 4th frame (2.5 s) is the scene change: orange frame
    assert tuple(arr[6 + cell_h // 2, x - 2]) == (255, 150, 0)
    assert tuple(arr[6 + cell_h // 2, 6 - 2]) != (255, 150, 0)
    assert format_time(65.5) == "01:05.500"


def test_contact_sheet_caps_cells_keeping_scene_changes(cut: Path) -> None:
    frames = extract_keyframes(cut)
    picked = pick(frames, 3)
    assert len(picked) == 3 and any(f.scene_change for f in picked)
    assert [f.timestamp for f in picked] == sorted(f.timestamp for f in picked)
