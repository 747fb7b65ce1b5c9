"""Matching against known-content hash sets: file formats, import and lookup."""
