"""Clues: typed, sourced findings about media (metadata, places, text, keyframes), jurisdiction."""
