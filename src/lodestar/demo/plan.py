"""Plan a corpus: series, seizures, archives, every file's path and its truth record.

Planning is cheap and runs in one process; all randomness comes from generators seeded by
(seed, scale, purpose), so the plan (and hence every file) is a pure function of them.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from lodestar.demo import hostile
from lodestar.demo.catalog import (
    CAMERA_MODELS,
    CORE_LANGUAGES,
    LANGUAGE_BY_CODE,
    LANGUAGES,
    OVERLAY_CAPTIONS,
    UTC_OFFSETS,
)
from lodestar.demo.exif import ExifInfo
from lodestar.demo.jobs import (
    Camera,
    ClipJob,
    CopyJob,
    DataJob,
    DerivedJob,
    LinkJob,
    SeriesInfo,
    SeriesJob,
    ShotJob,
    epoch,
    iso_local,
)
from lodestar.demo.layout import (
    PROFILES,
    Archive,
    Container,
    Seizure,
    clip_name,
    clip_rel,
    nested,
    shot_name,
    shot_rel,
    spec_from_bytes,
    variant_rel,
)
from lodestar.demo.scales import BIG_SIZE, Scale
from lodestar.demo.scenes import plan_scene
from lodestar.demo.shots import random_move
from lodestar.demo.system import system_files
from lodestar.demo.truth import FileRecord
from lodestar.demo.variants import VARIANTS, heic_available
from lodestar.demo.video import Clip

LANGUAGE_ORDER: tuple[str, ...] = ("pt", "th", "de", "nl", "es", "pl", "en") + tuple(
    lang.code for lang in LANGUAGES if lang.code not in CORE_LANGUAGES
)
COLLECTIONS = "collections/"


def _last_sunday(year: int, month: int) -> int:
    last = calendar.monthrange(year, month)[1]
    return last - (calendar.weekday(year, month, last) + 1) % 7


def utc_offset(country: str, local: datetime) -> int:
    """Minutes east of UTC, with EU summer time (last Sunday of March to last of October)."""
    base, summer = UTC_OFFSETS[country]
    if not summer:
        return base
    start = datetime(local.year, 3, _last_sunday(local.year, 3), 2)
    end = datetime(local.year, 10, _last_sunday(local.year, 10), 3)
    return base + 60 if start <= local < end else base


@dataclass
class _Shot:
    series: SeriesInfo
    job: ShotJob
    seizure: int  # index of the seizure holding it (directly or in an archive)


@dataclass
class Plan:
    seed: int
    scale: Scale
    seizures: list[Seizure]
    cameras: list[Camera]
    series: list[SeriesInfo] = field(default_factory=list)
    jobs: list[SeriesJob] = field(default_factory=list)
    copies: list[CopyJob] = field(default_factory=list)
    data: list[DataJob] = field(default_factory=list)
    links: list[LinkJob] = field(default_factory=list)
    archives: list[Archive] = field(default_factory=list)
    records: dict[str, FileRecord] = field(default_factory=dict)
    local_times: dict[str, datetime] = field(default_factory=dict)


class Planner:
    def __init__(self, seed: int, scale: Scale) -> None:
        self.seed = seed
        self.scale = scale
        self.plan = Plan(seed, scale, self._seizures(), self._cameras())
        self.shots: list[_Shot] = []
        self.derived: dict[str, list[DerivedJob]] = {}
        self.clips: dict[str, list[ClipJob]] = {}
        self.shot_jobs: dict[str, list[ShotJob]] = {}
        self.counters: dict[str, int] = {}
        self.backup: dict[int, dict[str, Archive]] = {}
        self.variant_turn = 0
        self.orient_turn = 0

    def rng_for(self, purpose: str) -> random.Random:
        return random.Random(f"lodestar-demo:{self.seed}:{self.scale.name}:{purpose}")

    # ------------------------------------------------------------------ setup

    def _seizures(self) -> list[Seizure]:
        out = []
        for i in range(self.scale.seizures):
            name = f"seizure-{i + 1:02d}"
            out.append(Seizure(prefix=f"{COLLECTIONS}{name}/", name=name,
                               profile=PROFILES[i % len(PROFILES)], index=i,
                               seized_at=datetime(2025, 1 + i % 12, 10 + i % 15, 9, 30)))
        return out

    def _cameras(self) -> list[Camera]:
        rng = self.rng_for("cameras")
        count = max(3, round(self.scale.series * 0.65))
        cameras: list[Camera] = []
        serials: set[str] = set()
        while len(cameras) < count:
            model = rng.choice(CAMERA_MODELS)
            serial = str(rng.randrange(10 ** (model.serial_digits - 1), 10**model.serial_digits))
            if serial not in serials:
                serials.add(serial)
                cameras.append(Camera(model.make, model.model, serial, model.style))
        return cameras

    def _add(self, record: FileRecord, local: datetime) -> FileRecord:
        assert record.path not in self.plan.records, record.path
        self.plan.records[record.path] = record
        self.plan.local_times[record.path] = local
        return record

    def _seizure_time(self, seizure: Seizure, minutes: int = 0) -> tuple[datetime, int]:
        local = seizure.seized_at - timedelta(days=30, minutes=-minutes)
        return local, epoch(local, 0)

    # ------------------------------------------------------------------ archives

    def _archive(self, parent: Container, rel: str, fmt: str, depth: int,
                 seizure: Seizure) -> Archive:
        archive = nested(parent, rel, fmt, depth)
        self.plan.archives.append(archive)
        local, mtime = self._seizure_time(seizure, 5 * len(self.plan.archives))
        self._add(FileRecord(archive.path, "archive", format=fmt, mtime=mtime), local)
        return archive

    def _backup_archive(self, seizure: Seizure, key: str) -> Archive:
        """The backup seizure's archives, created on first use."""
        slot = self.backup.setdefault(seizure.index, {})
        if key not in slot:
            if key == "zip":
                slot[key] = self._archive(seizure, "Backup/backup.zip", "zip", 0, seizure)
            elif key == "tar":
                year = 2019 + seizure.index % 5
                slot[key] = self._archive(seizure, f"Backup/photos-{year}.tar.gz", "tar.gz", 0,
                                          seizure)
            elif key == "outer":
                slot[key] = self._archive(seizure, "Backup/old-phone.tar.gz", "tar.gz", 0, seizure)
            else:
                outer = self._backup_archive(seizure, "outer")
                slot[key] = self._archive(outer, "old-phone/export.zip", "zip", 1, seizure)
        return slot[key]

    # ------------------------------------------------------------------ series

    def _series_info(self, i: int) -> SeriesInfo:
        rng = self.rng_for(f"series:{i}")
        language = LANGUAGE_ORDER[i % len(LANGUAGE_ORDER)]
        lang = LANGUAGE_BY_CODE[language]
        place = rng.choice(lang.places) if i % 5 in (0, 1, 3) else None
        start = datetime(rng.randint(2019, 2024), rng.randint(1, 12), rng.randint(1, 28),
                         rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
        seed = rng.getrandbits(31)
        return SeriesInfo(
            id=f"S{i + 1:03d}", language=language, country=lang.country,
            camera=self.plan.cameras[rng.randrange(len(self.plan.cameras))], place=place,
            scene=plan_scene(seed, language), size=self.scale.image_size, start=start,
            offset=utc_offset(lang.country, start), quality=rng.choice([88, 90, 92, 95]),
            seed=seed,
        )

    def _number(self, camera: Camera) -> int:
        if camera.serial not in self.counters:
            start = self.rng_for(f"counter:{camera.serial}").randrange(100, 8000)
            self.counters[camera.serial] = start
        self.counters[camera.serial] += 1
        return self.counters[camera.serial]

    def _orientation(self) -> int:
        self.orient_turn += 1
        return {3: 6, 7: 8}.get(self.orient_turn % 10, 1)

    def _shot_exif(self, series: SeriesInfo, taken: datetime, orientation: int,
                   rng: random.Random) -> ExifInfo:
        gps = None
        if series.place is not None:
            p = series.place
            gps = (round(p.lat + rng.uniform(-0.003, 0.003), 6),
                   round(p.lon + rng.uniform(-0.003, 0.003), 6), float(p.alt))
        w, h = series.size
        if orientation in (6, 8):
            w, h = h, w
        return ExifInfo(
            make=series.camera.make, model=series.camera.model, serial=series.camera.serial,
            taken=taken, offset_minutes=series.offset, orientation=orientation, gps=gps,
            width=w, height=h, exposure=rng.choice([(1, 30), (1, 60), (1, 125), (1, 250)]),
            f_number=rng.choice([(18, 10), (28, 10), (40, 10), (56, 10)]),
            iso=rng.choice([100, 200, 400, 800, 1600]), focal=(rng.randint(40, 500), 10),
        )

    def _series_record(self, series: SeriesInfo, path: str, kind: str,
                       **fields: object) -> FileRecord:
        record = FileRecord(
            path, kind, series=series.id, camera=series.camera.serial,
            place=series.place.name if series.place else None, country=series.country,
            language=series.language,
        )
        for key, value in fields.items():
            setattr(record, key, value)
        return record

    def _home_container(self, seizure: Seizure, placed: int, taken: datetime,
                        name: str, series: SeriesInfo) -> str:
        if seizure.profile == "backup" and placed < self.scale.archive_originals:
            return self._backup_archive(seizure, "zip").claim(f"photos/{taken:%Y-%m-%d}/{name}")
        return seizure.claim(shot_rel(seizure.profile, series.camera.style, name, taken))

    def add_series(self, i: int, big: bool, video: bool) -> None:
        series = self._series_info(i)
        if big:
            series = replace(series, size=BIG_SIZE, quality=90)
        rng = self.rng_for(f"shots:{i}")
        lo, hi = self.scale.big_shots if big else self.scale.shots
        count = rng.randint(lo, hi)
        window = rng.uniform(20, 70) * 60
        offsets = sorted([0.0] + [rng.uniform(60, window) for _ in range(count - 1)])
        seizure = self.plan.seizures[i % len(self.plan.seizures)]
        placed = sum(1 for s in self.shots if s.seizure == seizure.index)
        jobs: list[ShotJob] = []
        for k, off in enumerate(offsets):
            taken = series.start + timedelta(seconds=int(off))
            name = shot_name(series.camera.style, self._number(series.camera), taken)
            path = self._home_container(seizure, placed + k, taken, name, series)
            exif = self._shot_exif(series, taken, self._orientation(), rng)
            mtime = epoch(taken, series.offset)
            job = ShotJob(k, path, random_move(rng), exif, series.quality, mtime)
            jobs.append(job)
            self.shots.append(_Shot(series, job, seizure.index))
            gps = [exif.gps[0], exif.gps[1]] if exif.gps else None
            self._add(self._series_record(
                series, path, "image", variant="original", format="jpeg", exif=True,
                taken=iso_local(taken, series.offset), gps=gps, orientation=exif.orientation,
                mtime=mtime), taken)
        self.shot_jobs[series.id] = jobs
        self.plan.series.append(series)
        if video:
            self._add_clip(series, seizure, rng, window)

    def _add_clip(self, series: SeriesInfo, seizure: Seizure, rng: random.Random,
                  window: float) -> None:
        taken = series.start + timedelta(seconds=int(rng.uniform(0, window)))
        seconds = rng.randint(*self.scale.video_seconds)
        utc = taken - timedelta(minutes=series.offset)
        place = series.place
        clip = Clip(size=self.scale.video_size, fps=self.scale.video_fps,
                    frames=seconds * self.scale.video_fps, seed=rng.getrandbits(31),
                    creation_utc=utc, location=(place.lat, place.lon) if place else None)
        name = clip_name(series.camera.style, self._number(series.camera), taken)
        path = seizure.claim(clip_rel(seizure.profile, series.camera.style, name, taken))
        mtime = epoch(taken, series.offset) + seconds
        self.clips.setdefault(series.id, []).append(ClipJob(path, clip, mtime))
        self._add(self._series_record(
            series, path, "video", variant="video", format="mp4",
            taken=iso_local(taken, series.offset),
            gps=[place.lat, place.lon] if place else None, duration=float(clip.seconds),
            mtime=mtime), taken)

    # ------------------------------------------------------------------ derived files

    def _other_seizure(self, rng: random.Random, home: int, allow_backup: bool = True) -> Seizure:
        choices = [s for s in self.plan.seizures
                   if s.index != home and (allow_backup or s.profile != "backup")]
        return rng.choice(choices or self.plan.seizures)

    def _derive(self, shot: _Shot, variant: str, target: Seizure, rng: random.Random) -> None:
        series = shot.series
        taken = shot.job.exif.taken
        when = taken + timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 600))
        rel = variant_rel(variant, target.profile, shot.job.path, when, self._number(series.camera))
        path = target.claim(rel)
        phrase = rng.choice(LANGUAGE_BY_CODE[series.language].phrases)
        caption = rng.choice(OVERLAY_CAPTIONS).format(
            date=f"{taken:%d.%m.%Y %H:%M}", year=taken.year, phrase=phrase)
        if variant == "screenshot":
            caption = shot.job.path.rsplit("/", 1)[-1]
        mtime = epoch(when, series.offset)
        job = DerivedJob(path, shot.job.index, variant, rng.getrandbits(31), caption, mtime)
        self.derived.setdefault(series.id, []).append(job)
        keeps_exif = variant in ("resize", "recompress", "heic")
        fmt = {"screenshot": "png", "heic": "heic"}.get(variant, "jpeg")
        exif = shot.job.exif
        self._add(self._series_record(
            series, path, "image", variant="recompress" if variant == "heic" else variant,
            derived_from=shot.job.path, format=fmt, exif=keeps_exif,
            taken=iso_local(taken, series.offset),
            gps=[exif.gps[0], exif.gps[1]] if keeps_exif and exif.gps else None,
            orientation=(1 if variant == "heic" else exif.orientation) if keeps_exif else None,
            mtime=mtime), when)

    def add_near_dups(self) -> None:
        rng = self.rng_for("near-dups")
        for series in self.plan.series:
            shots = [s for s in self.shots if s.series.id == series.id]
            for shot in rng.sample(shots, min(len(shots), self.scale.near_dups)):
                variant = VARIANTS[self.variant_turn % len(VARIANTS)]
                self.variant_turn += 1
                self._derive(shot, variant, self._other_seizure(rng, shot.seizure, False), rng)

    def add_heic(self) -> None:
        if not heic_available():
            return
        rng = self.rng_for("heic")
        phones = [s for s in self.plan.seizures if s.profile == "phone"] or self.plan.seizures
        for shot in rng.sample(self.shots, min(self.scale.heic, len(self.shots))):
            self._derive(shot, "heic", rng.choice(phones), rng)

    # ------------------------------------------------------------------ exact copies

    def _copy(self, shot: _Shot, container: Container, rel: str, rng: random.Random,
              *, hostile_slug: str | None = None, truncate: float | None = None) -> None:
        series, exif = shot.series, shot.job.exif
        when = exif.taken + timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 900))
        path = container.claim(rel)
        mtime = epoch(when, series.offset)
        self.plan.copies.append(CopyJob(path, shot.job.path, mtime, truncate))
        if truncate is not None:
            record = self._series_record(series, path, "hostile", derived_from=shot.job.path,
                                         hostile=hostile_slug, format="jpeg", mtime=mtime)
        else:
            record = self._series_record(
                series, path, "image", variant="exact_copy", derived_from=shot.job.path,
                hostile=hostile_slug, format="jpeg", exif=True,
                taken=iso_local(exif.taken, series.offset),
                gps=[exif.gps[0], exif.gps[1]] if exif.gps else None,
                orientation=exif.orientation, mtime=mtime)
        self._add(record, when)

    def add_exact_copies(self) -> None:
        rng = self.rng_for("copies")
        for series in self.plan.series:
            shots = [s for s in self.shots if s.series.id == series.id]
            for shot in rng.sample(shots, min(len(shots), self.scale.exact_copies)):
                target = self._other_seizure(rng, shot.seizure, False)
                when = shot.job.exif.taken + timedelta(days=rng.randint(1, 60))
                rel = variant_rel("exact_copy", target.profile, shot.job.path, when, 0)
                self._copy(shot, target, rel, rng)

    def add_archive_copies(self) -> None:
        rng = self.rng_for("archive-copies")
        for seizure in self.plan.seizures:
            if seizure.profile != "backup":
                continue
            others = [s for s in self.shots if s.seizure != seizure.index]
            picks = rng.sample(others, min(len(others), self.scale.archive_copies))
            for n, shot in enumerate(picks):
                name = shot.job.path.rsplit("/", 1)[-1]
                day = f"{shot.job.exif.taken:%Y-%m-%d}"
                slot = ("tar", "outer", "inner")[n % 3]
                archive = self._backup_archive(seizure, slot)
                rel = {"tar": f"{day}/{name}", "outer": f"old-phone/DCIM/{name}",
                       "inner": f"export/{name}"}[slot]
                self._copy(shot, archive, rel, rng)
            if "outer" in self.backup.get(seizure.index, {}):
                outer = self.backup[seizure.index]["outer"]
                local, mtime = self._seizure_time(seizure, 1)
                path = outer.claim("old-phone/notes.txt")
                data = b"Phone export\nfolders: DCIM, export.zip\n"
                self.plan.data.append(DataJob(path, data, mtime))
                self._add(FileRecord(path, "system", format="text", mtime=mtime), local)

    def add_specials(self) -> None:
        """Extension lies, a non-UTF-8 file name and truncated copies of real shots."""
        rng = self.rng_for("specials")
        loose = [s for s in self.shots if "!/" not in s.job.path]
        picks = rng.sample(loose, min(len(loose), 3 * self.scale.specials))
        for n, shot in enumerate(picks):
            target = self._other_seizure(rng, shot.seizure)
            if n % 3 == 0:
                self._copy(shot, target, f"AppData/Local/Cache/blob_{n:04d}.dat", rng,
                           hostile_slug="extension_mismatch")
            elif n % 3 == 1:
                name = "café" if n > 1 else "caf\udce9"  # the first is not valid UTF-8
                raw = name.encode("utf-8", "surrogateescape") + f"_{n}.jpg".encode()
                self._copy(shot, target, f"Pictures/{spec_from_bytes(raw)}", rng,
                           hostile_slug="non_utf8_name" if n == 1 else None)
            else:
                rel = f"Pictures/Recovered/{shot.job.path.rsplit('/', 1)[-1]}"
                self._copy(shot, target, rel, rng, hostile_slug="truncated",
                           truncate=rng.uniform(0.3, 0.6))

    # ------------------------------------------------------------------ system and hostile

    def add_system(self) -> None:
        rng = self.rng_for("system")
        for seizure in self.plan.seizures:
            lang = LANGUAGE_ORDER[seizure.index % len(LANGUAGE_ORDER)]
            local, _ = self._seizure_time(seizure)
            for n, (rel, data) in enumerate(system_files(seizure.profile, rng, lang, local,
                                                          self.scale.system_files,
                                                          offset=2 * seizure.index)):
                path = seizure.claim(rel)
                when, mtime = self._seizure_time(seizure, 17 * n)
                self.plan.data.append(DataJob(path, data, mtime))
                fmt = rel.rsplit(".", 1)[-1].lower()
                self._add(FileRecord(path, "system", format=fmt, mtime=mtime), when)

    def _hostile_file(self, seizure: Seizure, rel: str, data: bytes, slug: str, fmt: str,
                      kind: str = "hostile") -> str:
        path = seizure.claim(rel)
        local, mtime = self._seizure_time(seizure, 90)
        self.plan.data.append(DataJob(path, data, mtime))
        self._add(FileRecord(path, kind, hostile=slug, format=fmt, mtime=mtime), local)
        return path

    def _hostile_members(self, archive_path: str, members: list[hostile.Member],
                         seizure: Seizure) -> None:
        local, mtime = self._seizure_time(seizure, 90)
        for m in members:
            kind = "hostile" if m.hostile else "system"
            spec = f"{archive_path}!/{spec_from_bytes(m.name.encode())}"
            self._add(FileRecord(spec, kind, hostile=m.hostile, sha256=m.sha256, size=m.size,
                                 format="text" if m.hostile != "zip_bomb" else "binary",
                                 mtime=mtime), local)

    def add_hostile(self) -> None:
        rng = self.rng_for("hostile")
        seizures = self.plan.seizures

        def at(k: int) -> Seizure:
            return seizures[k % len(seizures)]

        self._hostile_file(at(0), "Pictures/empty.jpg", b"", "empty_file", "empty")
        self._hostile_file(at(1), "Videos/broken.mp4", hostile.corrupt_mp4(rng), "corrupt_video",
                           "mp4")
        self._hostile_file(at(2), "Pictures/panorama.png", hostile.bomb_png(),
                           "decompression_bomb", "png")
        self._hostile_file(at(0), "Pictures/IMG_9999.jpg", hostile.NOT_AN_IMAGE,
                           "extension_mismatch", "text", kind="system")
        bomb, member = hostile.zip_bomb()
        path = self._hostile_file(at(1), "Downloads/archive.zip", bomb, "zip_bomb", "zip")
        self._hostile_members(path, [member], at(1))
        traversal, members = hostile.traversal_zip()
        path = self._hostile_file(at(2), "Downloads/update.zip", traversal, "path_traversal", "zip")
        self._hostile_members(path, members, at(2))
        for k, (rel, target) in enumerate((("Pictures/shortcut-hostname", "/etc/hostname"),
                                           ("Pictures/up", "../../.."))):
            seizure = at(k)
            path = seizure.claim(rel)
            local, mtime = self._seizure_time(seizure, 95)
            self.plan.links.append(LinkJob(path, target, mtime))
            self._add(FileRecord(path, "hostile", hostile="symlink_escape", format="symlink",
                                 link_target=target, mtime=mtime), local)

    # ------------------------------------------------------------------ finish

    def finish(self) -> Plan:
        for series in self.plan.series:
            self.plan.jobs.append(SeriesJob(
                series=series,
                shots=tuple(self.shot_jobs[series.id]),
                derived=tuple(self.derived.get(series.id, [])),
                clips=tuple(self.clips.get(series.id, [])),
                screen=self.scale.screen,
            ))
        return self.plan


def build_plan(seed: int, scale: Scale) -> Plan:
    planner = Planner(seed, scale)
    rng = planner.rng_for("series")
    big = set(rng.sample(range(scale.series), scale.big_series))
    video = set(rng.sample(range(scale.series), scale.video_series))
    for i in range(scale.series):
        planner.add_series(i, i in big, i in video)
    planner.add_near_dups()
    planner.add_heic()
    planner.add_exact_copies()
    planner.add_archive_copies()
    planner.add_specials()
    planner.add_system()
    planner.add_hostile()
    return planner.finish()
