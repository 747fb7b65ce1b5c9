"""The benign synthetic operation: seized collections of procedural room photos + truth.json.

``generate_corpus(out, seed=7, scale="small")`` writes::

    OUT/collections/seizure-01 … seizure-NN   folder trees (DCIM/…, Pictures/…, AppData/…)
    OUT/truth.json                            every file written, with its ground truth

Same seed and scale give byte-identical files and truth.json (on the same library versions;
see the module docs of :mod:`lodestar.demo.video` and :mod:`lodestar.demo.fonts`).

Path specs in truth.json: ``collections/seizure-02/DCIM/Camera/IMG_0003.JPG`` for files,
``…/backup.zip!/photos/a.jpg`` for archive members (``!/`` enters an archive, nested archives
repeat it), and name bytes that are not UTF-8 written as ``\\xNN``. :func:`disk_path` maps a
non-archive spec back to the on-disk path.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from lodestar.demo import GENERATOR_VERSION, hostile
from lodestar.demo.archives import build_tar_gz, build_zip
from lodestar.demo.fonts import font_report
from lodestar.demo.hashsets import write_demo_hashsets
from lodestar.demo.jobs import Camera, SeriesInfo, epoch, iso_local
from lodestar.demo.layout import Archive, disk_path
from lodestar.demo.plan import Plan, build_plan
from lodestar.demo.produce import STAGING, Produced, produce_series, read_file, write_file
from lodestar.demo.scales import get_scale
from lodestar.demo.truth import GENERATOR, dump_truth, load_truth, summarize
from lodestar.errors import UserError

__all__ = ["generate_corpus", "disk_path", "TRUTH_NAME"]

TRUTH_NAME = "truth.json"
MARKER = ".lodestar-demo-partial"
ProgressFn = Callable[[int, int], None]

NOTES = (
    "All content is procedural: rooms, furniture, windows with landscapes, signs and labels.",
    "Archive members are listed as ARCHIVE!/MEMBER; members of hostile archives are listed too.",
    "Symlinks have sha256 null and their target in link_target.",
    "camera/place/country are the ground truth of a file's origin; exif says whether the file "
    "itself carries camera EXIF.",
)


def generate_corpus(out: Path, *, seed: int, scale: str, progress: ProgressFn | None = None,
                    workers: int = 1) -> dict[str, Any]:
    """Write the synthetic operation into ``out`` and return a summary.

    Returns at once (``cached: True``) when ``out/truth.json`` already holds this seed, scale
    and generator version. Raises :class:`UserError` for an unknown scale or when ``out`` is
    a non-empty folder that does not hold a demo corpus.
    """
    spec = get_scale(scale)
    out = Path(out)
    existing = load_truth(out / TRUTH_NAME)
    if existing is not None and _matches(existing, seed, scale):
        return summarize(existing, out, cached=True)
    _prepare(out, existing)
    plan = build_plan(seed, spec)
    ticker = _Ticker(progress, len(plan.records))
    for produced in _run_series(plan, out, workers):
        _apply(plan, produced)
        ticker.tick(len(produced))
    _write_rest(plan, out, ticker)
    _set_dir_times(plan, out)
    truth = _truth(plan, seed, scale)
    write_demo_hashsets(out, truth)
    tmp = out / (TRUTH_NAME + ".tmp")
    tmp.write_bytes(dump_truth(truth))
    os.replace(tmp, out / TRUTH_NAME)
    shutil.rmtree(out / STAGING, ignore_errors=True)
    (out / MARKER).unlink(missing_ok=True)
    ticker.finish()
    return summarize(truth, out, cached=False)


# --------------------------------------------------------------------------- setup


def _matches(truth: dict[str, Any], seed: int, scale: str) -> bool:
    """Same seed, scale and version, drawn with the same fonts (installing a Thai font later
    changes the pixels, so it regenerates)."""
    return (truth.get("generator") == GENERATOR and truth.get("seed") == seed
            and truth.get("scale") == scale
            and truth.get("generator_version") == GENERATOR_VERSION
            and truth.get("fonts") == font_report())


def _prepare(out: Path, existing: dict[str, Any] | None) -> None:
    """Make ``out`` ready: create it, or clear a previous demo corpus (and only that)."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    entries = set(os.listdir(out))
    ours = (existing is not None and existing.get("generator") == GENERATOR) or MARKER in entries
    if entries and not ours:
        raise UserError(f"{out} is not empty and holds no demo corpus; choose an empty folder",
                        detail={"out": str(out)})
    (out / MARKER).write_text("demo corpus generation in progress\n")
    for name in ("collections", "hashsets", STAGING):
        if (out / name).is_dir() and not (out / name).is_symlink():
            shutil.rmtree(out / name)
    (out / TRUTH_NAME).unlink(missing_ok=True)


class _Ticker:
    def __init__(self, progress: ProgressFn | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def tick(self, n: int = 1) -> None:
        self.done += n
        self._report()

    def finish(self) -> None:
        self.done = self.total
        self._report()


# --------------------------------------------------------------------------- production


def _run_series(plan: Plan, out: Path, workers: int) -> Iterator[list[Produced]]:
    """Render every series, largest first; in ``workers`` processes when more than one."""
    jobs = sorted(plan.jobs, key=lambda job: (-job.cost, job.series.id))
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield produce_series(job, str(out))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = [pool.submit(produce_series, job, str(out)) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def _apply(plan: Plan, produced: list[Produced]) -> None:
    for item in produced:
        record = plan.records[item.path]
        record.sha256, record.size = item.sha256, item.size


def _write_rest(plan: Plan, out: Path, ticker: _Ticker) -> None:
    """Copies, system and hostile files, symlinks, then archives (innermost first)."""
    for copy in plan.copies:
        data = read_file(out, copy.source)
        if copy.truncate is not None:
            data = hostile.truncated(data, copy.truncate)
        _apply(plan, [write_file(out, copy.path, data, copy.mtime)])
        ticker.tick()
    for job in plan.data:
        _apply(plan, [write_file(out, job.path, job.data, job.mtime)])
        ticker.tick()
    for link in plan.links:
        target = disk_path(out, link.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(link.target, target)
        os.utime(target, (link.mtime, link.mtime), follow_symlinks=False)
        ticker.tick()
    for archive in sorted(plan.archives, key=lambda a: -a.depth):
        _apply(plan, [write_file(out, archive.path, _pack(plan, out, archive),
                                 plan.records[archive.path].mtime or 0)])
        ticker.tick()


def _pack(plan: Plan, out: Path, archive: Archive) -> bytes:
    members = []
    for spec in archive.members:
        record = plan.records[spec]
        name = spec[len(archive.prefix):]
        members.append((name, read_file(out, spec), plan.local_times[spec], record.mtime or 0))
    if archive.fmt == "zip":
        return build_zip(members)
    return build_tar_gz(members, plan.records[archive.path].mtime or 0)


def _set_dir_times(plan: Plan, out: Path) -> None:
    """Folder mtimes: each seizure's base time for every folder in it."""
    collections = out / "collections"
    for seizure in plan.seizures:
        root = collections / seizure.name
        if not root.is_dir():
            continue
        stamp = epoch(seizure.seized_at, 0)
        for dirpath, _dirs, _files in os.walk(os.fsencode(root), topdown=False):
            os.utime(dirpath, (stamp, stamp))
    stamp = epoch(plan.seizures[0].seized_at, 0)
    os.utime(collections, (stamp, stamp))


# --------------------------------------------------------------------------- truth


def _series_json(series: SeriesInfo, plan: Plan, fonts: dict[str, object]) -> dict[str, Any]:
    place = series.place
    job = next(j for j in plan.jobs if j.series.id == series.id)
    note = fonts["note"] if series.scene.script == "thai" else None
    return {
        "id": series.id,
        "language": series.language,
        "country": series.country,
        "camera": series.camera.to_json(),
        "place": {"name": place.name, "country": place.country, "lat": place.lat,
                  "lon": place.lon} if place else None,
        "scene": series.scene.describe(),
        "start": iso_local(series.start, series.offset),
        "shots": len(job.shots),
        "size": list(series.size),
        "video": bool(job.clips),
        "text_note": note,
    }


def _cameras_json(plan: Plan) -> list[dict[str, Any]]:
    used: dict[str, tuple[Camera, list[str]]] = {}
    for series in plan.series:
        used.setdefault(series.camera.serial, (series.camera, []))[1].append(series.id)
    return [{**camera.to_json(), "series": ids} for camera, ids in used.values()]


def _truth(plan: Plan, seed: int, scale: str) -> dict[str, Any]:
    fonts = font_report()
    records = sorted(plan.records.values(), key=lambda r: r.path)
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "fonts": fonts,
        "notes": list(NOTES),
        "seizures": [{"name": s.name, "path": s.prefix.rstrip("/"), "profile": s.profile}
                     for s in plan.seizures],
        "series": [_series_json(s, plan, fonts) for s in plan.series],
        "cameras": _cameras_json(plan),
        "files": [r.to_json() for r in records],
    }
