"""Same-sensor links by PRNU (photo-response non-uniformity), as pure functions.

The published method, re-implemented here on numpy/scipy/PyWavelets because no maintained
Python package of it exists (the reference code is Goljan's MATLAB "Camera Fingerprint"
toolbox; Polimi's ``prnu-python`` port is unpackaged):

- Lukáš, Fridrich, Goljan (2006), "Digital camera identification from sensor pattern noise":
  noise residual W = I − F(I) with F the wavelet denoiser of Mihcak et al. (db8, 4 levels,
  local-variance Wiener shrinkage of the detail subbands, windows 3/5/7/9, sigma 3).
- Chen, Fridrich, Goljan, Lukáš (2008), "Determining image origin and integrity using sensor
  noise": maximum-likelihood fingerprint K = Σ W·I / Σ I², made zero-mean by rows and columns
  (per 2×2 CFA sub-lattice) and Wiener-filtered in the Fourier domain to remove the patterns
  every camera of a model shares (CFA, JPEG blocks); detection correlates W with I·K.
- Goljan (2009), "Digital camera identification from images – estimating false acceptance
  probability": signed peak-to-correlation energy (PCE) with the 11×11 peak neighbourhood left
  out of the energy; same camera above about 60.

Images are compared as aligned full frames at zero shift, on a centre crop of the luminance,
in stored pixel order (the sensor's layout: an EXIF orientation tag only says how to display).
A fingerprint is only valid for images of the full-frame size it was made from.
"""

from __future__ import annotations

import json
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pywt
from PIL import Image, UnidentifiedImageError
from scipy import fft as sfft
from scipy.ndimage import uniform_filter

WAVELET = "db8"
LEVELS = 4
SIGMA = 3.0  # std of the noise the denoiser removes, in grey levels (Goljan's default)
WINDOWS = (3, 5, 7, 9)
PCE_THRESHOLD = 60.0
PEAK_NEIGHBOURHOOD = 11
SATURATED = 250.0  # pixels this bright carry no PRNU (clipped): left out of the estimate
FORMAT_VERSION = 1
METHOD = f"prnu-{WAVELET}-L{LEVELS}-s{SIGMA:g}"
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
Orientation = Literal["stored", "reject"]


class PrnuError(ValueError):
    """Input the PRNU functions refuse: unreadable file, mismatched sizes, bad fingerprint."""


# -- noise residual ---------------------------------------------------------------------------


def _noise_part(coef: np.ndarray, noise_var: float) -> np.ndarray:
    """The noise share of wavelet/DFT coefficients: c·σ²/(σ̂² + σ²), σ̂² the smallest local
    signal variance over the windows (Mihcak's MAP estimate); residual = this part."""
    energy = coef * coef
    local = np.full(coef.shape, np.inf, dtype=np.float32)
    for size in WINDOWS:
        np.minimum(local, uniform_filter(energy, size, mode="constant"), out=local)
    signal_var = np.maximum(local - noise_var, 0.0)
    return (coef * (noise_var / (signal_var + noise_var))).astype(np.float32)


def _as_gray(gray: np.ndarray) -> np.ndarray:
    arr = np.asarray(gray)
    if arr.ndim != 2:
        raise PrnuError(f"expected a 2-D grey image, got shape {arr.shape}")
    out = arr.astype(np.float32, copy=False)
    if not np.isfinite(out).all():
        raise PrnuError("image has NaN or infinite values")
    return out


def noise_residual(
    gray: np.ndarray, *, sigma: float = SIGMA, levels: int = LEVELS, wavelet: str = WAVELET
) -> np.ndarray:
    """W = image − wavelet-denoised image (float32, same shape as ``gray``).

    The approximation subband is dropped and each detail coefficient keeps only its noise share,
    which is exactly image − denoised. The image is mirror-padded to a multiple of 2**levels so
    the periodic transform keeps sizes exact.
    """
    x = _as_gray(gray)
    h, w = x.shape
    levels = min(levels, pywt.dwt_max_level(min(h, w), pywt.Wavelet(wavelet).dec_len))
    if levels < 1:
        raise PrnuError(f"image {w}×{h} is too small for a {wavelet} wavelet residual")
    step = 2**levels
    padded = np.pad(x, ((0, -h % step), (0, -w % step)), mode="symmetric")
    coeffs = pywt.wavedec2(padded, wavelet, mode="periodization", level=levels)
    noise_var = float(sigma) ** 2
    out: list[np.ndarray | tuple[np.ndarray, ...]] = [np.zeros_like(coeffs[0])]
    for details in coeffs[1:]:
        out.append(tuple(_noise_part(d, noise_var) for d in details))
    residual = pywt.waverec2(out, wavelet, mode="periodization")
    return np.ascontiguousarray(residual[:h, :w], dtype=np.float32)


def zero_mean(x: np.ndarray) -> np.ndarray:
    """Remove row and column means on each 2×2 (CFA) sub-lattice: linear patterns shared by
    sensors of one model (readout, demosaicing) that are not the camera's own."""
    out = np.array(x, dtype=np.float32, copy=True)
    for dy in (0, 1):
        for dx in (0, 1):
            sub = out[dy::2, dx::2]
            sub -= sub.mean()
            sub -= sub.mean(axis=0, keepdims=True)
            sub -= sub.mean(axis=1, keepdims=True)
    return out


def wiener_dft(x: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """Flatten the spectrum of ``x``: peaks (periodic JPEG/CFA artefacts) are shrunk with the
    same local Wiener rule applied to the DFT magnitudes; ``sigma`` defaults to std(x)."""
    x = np.asarray(x, dtype=np.float32)
    sigma = float(x.std(ddof=1)) if sigma is None else float(sigma)
    if sigma <= 0.0:
        return np.zeros_like(x)
    spectrum = sfft.fft2(x)
    mag = (np.abs(spectrum) / np.sqrt(x.size)).astype(np.float32)
    kept = _noise_part(mag, sigma * sigma)
    zero = mag == 0
    mag[zero] = 1.0
    kept[zero] = 0.0
    return np.real(sfft.ifft2(spectrum * (kept / mag))).astype(np.float32)


def clean_residual(residual: np.ndarray) -> np.ndarray:
    """A test image's residual as it is correlated: zero-mean, then Wiener-filtered in DFT."""
    return wiener_dft(zero_mean(residual))


# -- fingerprint ------------------------------------------------------------------------------


def estimate_fingerprint(images: Iterable[np.ndarray], *, sigma: float = SIGMA) -> np.ndarray:
    """Maximum-likelihood PRNU estimate K = Σ W·I / Σ I² over grey images of ONE shape.

    Saturated pixels are left out. K is then zero-meaned and Wiener-filtered in the Fourier
    domain (see :func:`zero_mean`, :func:`wiener_dft`). Raises PrnuError when there are no
    images or their shapes differ (a fingerprint only fits images of one size/orientation).
    """
    num: np.ndarray | None = None
    den: np.ndarray | None = None
    for i, image in enumerate(images):
        gray = _as_gray(image)
        if num is None or den is None:
            num = np.zeros(gray.shape, np.float32)
            den = np.zeros(gray.shape, np.float32)
        elif gray.shape != num.shape:
            raise PrnuError(
                f"image {i} is {gray.shape[1]}×{gray.shape[0]} but the first is "
                f"{num.shape[1]}×{num.shape[0]}: a fingerprint needs images of one size "
                "and orientation"
            )
        weight = np.where(gray < SATURATED, gray, 0.0).astype(np.float32)
        num += noise_residual(gray, sigma=sigma) * weight
        den += weight * weight
    if num is None or den is None:
        raise PrnuError("no images to estimate a fingerprint from")
    k = num / (den + 1.0)  # +1: pixels saturated in every image get K = 0, not 0/0
    return wiener_dft(zero_mean(k))


# -- peak-to-correlation energy ----------------------------------------------------------------


def _centered(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x - np.float32(x.mean())


def _pce_from_spectra(fx: np.ndarray, fy: np.ndarray, shape: tuple[int, int], radius: int) -> float:
    corr = sfft.irfft2(fx * np.conj(fy), s=shape)  # circular cross-correlation, shift (0,0) first
    h, w = shape
    if radius <= 0:
        py, px = 0, 0
    else:
        shifts = np.arange(-radius, radius + 1)
        window = corr[np.ix_(shifts % h, shifts % w)]
        iy, ix = np.unravel_index(int(np.argmax(window)), window.shape)
        py, px = int(shifts[iy] % h), int(shifts[ix] % w)
    peak = float(corr[py, px])
    around = np.arange(PEAK_NEIGHBOURHOOD) - PEAK_NEIGHBOURHOOD // 2
    near = np.zeros(shape, dtype=bool)
    near[np.ix_((around + py) % h, (around + px) % w)] = True
    energy = float(np.mean(np.square(corr[~near], dtype=np.float64)))
    if energy <= 0.0:
        return 0.0
    return float(np.sign(peak) * peak * peak / energy)


def pce(residual: np.ndarray, expected: np.ndarray, *, search_radius: int = 0) -> float:
    """Signed PCE of the cross-correlation of ``residual`` with ``expected`` (e.g. I·K).

    ``search_radius`` 0 reads the peak at zero shift (aligned full frames); r > 0 takes the
    largest value within ±r pixels of it. The 11×11 neighbourhood of the peak is left out of
    the correlation energy.
    """
    x, y = _centered(residual), _centered(expected)
    if x.ndim != 2 or x.shape != y.shape:
        raise PrnuError(f"PCE needs two 2-D arrays of one shape, got {x.shape} and {y.shape}")
    return _pce_from_spectra(sfft.rfft2(x), sfft.rfft2(y), x.shape, search_radius)


# -- files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrayCrop:
    """A centre crop of an image's luminance, with the full frame size (w, h) it came from."""

    pixels: np.ndarray
    size: tuple[int, int]


_LOAD_ERRORS = (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, AttributeError)
_DECODE_ERRORS = (OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError)


def read_gray(
    path: str | os.PathLike[str], crop: int = 1024, *, orientation: Orientation = "stored"
) -> GrayCrop | None:
    """Load ``path`` as float32 luminance (0.299R + 0.587G + 0.114B), centre-cropped to
    ``crop``×``crop`` in stored pixel order.

    None when the image is smaller than the crop, or (``orientation="reject"``) carries an EXIF
    orientation other than 1. Raises PrnuError naming the file when it cannot be decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size = (img.width, img.height)
                if orientation == "reject" and img.getexif().get(0x0112, 1) != 1:
                    return None
                if min(size) < crop:
                    return None
                left, top = (size[0] - crop) // 2, (size[1] - crop) // 2
                region = img.crop((left, top, left + crop, top + crop))
                arr = np.asarray(region.convert("RGB"), dtype=np.float32)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PrnuError(f"{path}: refused as a decompression bomb ({exc})") from exc
    except _DECODE_ERRORS as exc:
        raise PrnuError(f"{path}: cannot decode image ({exc})") from exc
    return GrayCrop(np.ascontiguousarray(arr @ LUMA, dtype=np.float32), size)


def load_gray(path: str | os.PathLike[str], crop: int = 1024) -> np.ndarray | None:
    """The centre crop of :func:`read_gray` alone (None if the image is smaller than ``crop``)."""
    got = read_gray(path, crop)
    return None if got is None else got.pixels


@dataclass
class CameraFingerprint:
    """One camera's PRNU estimate, valid for full frames of ``size`` (w, h) cropped to ``crop``."""

    id: str
    size: tuple[int, int]
    crop: int
    n_images: int
    fingerprint: np.ndarray
    method: str = METHOD

    @classmethod
    def from_files(
        cls, fingerprint_id: str, paths: Sequence[str | os.PathLike[str]], crop: int = 1024
    ) -> CameraFingerprint:
        """Estimate from image files of one full-frame size.

        Unreadable or too-small files are skipped with a warning naming them; a file of another
        size than the first usable one raises PrnuError (it would not align at zero shift).
        """
        loaded = list(_readable(paths, crop))
        if not loaded:
            raise PrnuError(f"camera {fingerprint_id}: no usable image of at least {crop}² px")
        size = loaded[0][1].size
        for path, got in loaded:
            if got.size != size:
                raise PrnuError(
                    f"{path} is {got.size[0]}×{got.size[1]}, other images of camera "
                    f"{fingerprint_id} are {size[0]}×{size[1]}: one size and orientation only"
                )
        k = estimate_fingerprint(got.pixels for _, got in loaded)
        return cls(fingerprint_id, size, crop, len(loaded), k)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write as ``.npz`` (array plus JSON metadata), atomically."""
        target = Path(path)
        meta = {
            "format": FORMAT_VERSION,
            "id": self.id,
            "size": list(self.size),
            "crop": self.crop,
            "n_images": self.n_images,
            "method": self.method,
        }
        tmp = target.with_name(target.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, fingerprint=self.fingerprint.astype(np.float32), meta=json.dumps(meta))
        tmp.replace(target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CameraFingerprint:
        """Read a file written by :meth:`save`; PrnuError naming the file if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                k = np.asarray(data["fingerprint"], dtype=np.float32)
            fp = cls(
                str(meta["id"]),
                (int(meta["size"][0]), int(meta["size"][1])),
                int(meta["crop"]),
                int(meta["n_images"]),
                k,
                str(meta.get("method", METHOD)),
            )
        except (*_LOAD_ERRORS, zipfile.BadZipFile, zlib.error) as exc:  # .npz: a zip archive
            raise PrnuError(f"{path}: not a readable PRNU fingerprint ({exc})") from exc
        if meta.get("format") != FORMAT_VERSION or k.shape != (fp.crop, fp.crop):
            raise PrnuError(f"{path}: unsupported fingerprint (format/shape {k.shape})")
        return fp


def _readable(
    paths: Sequence[str | os.PathLike[str]], crop: int
) -> Iterable[tuple[str | os.PathLike[str], GrayCrop]]:
    for path in paths:
        try:
            got = read_gray(path, crop)
        except PrnuError as exc:
            warnings.warn(str(exc), stacklevel=3)
            continue
        if got is None:
            warnings.warn(f"{path}: smaller than the {crop}² crop, skipped", stacklevel=3)
            continue
        yield path, got


# -- matching ---------------------------------------------------------------------------------


def match_image(
    residual_or_image: np.ndarray,
    fingerprints: Iterable[CameraFingerprint],
    threshold: float | None = PCE_THRESHOLD,
    *,
    size: tuple[int, int] | None = None,
) -> list[tuple[str, float]]:
    """(fingerprint id, PCE) for each fingerprint at or above ``threshold``, best first
    (``threshold=None``: every fingerprint).

    Give a grey crop (non-negative values, e.g. from :func:`load_gray`) to correlate its
    residual with I·K, as Chen et al. do; or a raw :func:`noise_residual` (it has negative
    values) to correlate with K alone. ``size`` is the image's full frame (w, h): a fingerprint
    made from frames of another size raises PrnuError, as does a crop of another shape.
    """
    arr = _as_gray(residual_or_image)
    is_image = arr.size > 0 and float(arr.min()) >= 0.0
    residual = noise_residual(arr) if is_image else arr
    fx = sfft.rfft2(_centered(clean_residual(residual)))
    scores = []
    for fp in fingerprints:
        if fp.fingerprint.shape != arr.shape:
            raise PrnuError(
                f"fingerprint {fp.id} is for {fp.crop}² crops, the image crop is "
                f"{arr.shape[1]}×{arr.shape[0]}"
            )
        if size is not None and tuple(size) != tuple(fp.size):
            raise PrnuError(
                f"fingerprint {fp.id} was made from {fp.size[0]}×{fp.size[1]} frames, the "
                f"image is {size[0]}×{size[1]}: PRNU only matches frames of one size"
            )
        expected = fp.fingerprint * arr if is_image else fp.fingerprint
        fy = sfft.rfft2(_centered(expected))
        score = _pce_from_spectra(fx, fy, arr.shape, 0)
        if threshold is None or score >= threshold:
            scores.append((fp.id, score))
    return sorted(scores, key=lambda item: item[1], reverse=True)


def match_file(
    path: str | os.PathLike[str],
    fingerprints: Sequence[CameraFingerprint],
    threshold: float | None = PCE_THRESHOLD,
) -> list[tuple[str, float]]:
    """:func:`match_image` for a file, against the fingerprints made for its frame size (others
    are skipped: they cannot match). PrnuError naming the file if it cannot be decoded; an
    empty list if it is smaller than the crop."""
    if not fingerprints:
        return []
    crop = fingerprints[0].crop
    if any(fp.crop != crop for fp in fingerprints):
        raise PrnuError("fingerprints of different crop sizes: match each crop size separately")
    got = read_gray(path, crop)
    if got is None:
        return []
    same_size = [fp for fp in fingerprints if tuple(fp.size) == got.size]
    return match_image(got.pixels, same_size, threshold, size=got.size)
