"""Perceptual signals (PDQ for images, vPDQ for videos); importing registers every type."""

from lodestar.analyze.signals import pdq, vpdq
from lodestar.analyze.signals.base import (
    FileSignalType,
    ImageSignalType,
    SignalError,
    SignalType,
    SignalValue,
    signal_types,
)

__all__ = [
    "FileSignalType",
    "ImageSignalType",
    "SignalError",
    "SignalType",
    "SignalValue",
    "pdq",
    "signal_types",
    "vpdq",
]
