"""The per-file pipeline: identify → hash → decode → per-kind analyzers."""
