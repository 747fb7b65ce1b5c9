"""Perceptual signals (PDQ for images, vPDQ for videos) behind one registry.

The registry imports the built-in types (``pdq``, ``vpdq``) on first lookup, so importing this
package stays cheap and a caller never needs to import a type's module to find it.
"""

from lodestar.analyze.signals.base import (
    FileSignalType,
    ImageSignalType,
    SignalError,
    SignalType,
    SignalValue,
    fast_pass_types,
    signal_types,
)

__all__ = [
    "FileSignalType",
    "ImageSignalType",
    "SignalError",
    "SignalType",
    "SignalValue",
    "fast_pass_types",
    "signal_types",
]
