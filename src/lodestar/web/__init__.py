"""The web shell: the FastAPI workbench (pages + JSON API under ``/api``), templates, static.

Like ``cli/``, a thin shell that may import every stage; the services it calls live in the
stages (``review`` for people, sessions, wellness and collaboration, ``leads``, ``reports``).
"""
