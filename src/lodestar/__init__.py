"""Lodestar: an offline workbench for victim-identification teams."""

__version__ = "0.1.0"
