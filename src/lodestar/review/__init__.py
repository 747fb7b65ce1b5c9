"""The review domain: people and roles' sessions, wellness-first media, collaboration, audit.

No web code here: the FastAPI shell in ``lodestar.web`` calls these keyword-only services, and
the CLI uses the same ones. Permissions live in ``lodestar.access``.
"""
