"""The built-in link builders; importing this module registers them all."""

from __future__ import annotations

from lodestar.series.base import LinkBuilder, link_builders
from lodestar.series.camera import camera_body_links, time_burst_links
from lodestar.series.folder import folder_links
from lodestar.series.keyframe import video_frame_links
from lodestar.series.known import known_series_links
from lodestar.series.neardup import near_dup_links
from lodestar.series.prnu_links import prnu_links
from lodestar.series.scene import scene_links
from lodestar.series.video_scene import video_scene_links

BUILTIN: tuple[LinkBuilder, ...] = (
    near_dup_links,
    video_frame_links,
    known_series_links,
    camera_body_links,
    time_burst_links,
    folder_links,
)
# Builders that read derived artifacts or evidence (local features, keyframes, PRNU); registered
# like the others. Their conformance tests live in tests/series/test_scene.py and
# test_prnu_links.py, outside test_links.py's listing of BUILTIN.
ARTIFACT_BUILDERS: tuple[LinkBuilder, ...] = (scene_links, video_scene_links, prnu_links)


def all_builders(names: list[str] | None = None) -> list[LinkBuilder]:
    """Registered builders (built-in and plug-ins), by name; KeyError names the unknown one."""
    if names is None:
        return [link_builders.get(n) for n in link_builders.names()]
    return [link_builders.get(n) for n in names]
