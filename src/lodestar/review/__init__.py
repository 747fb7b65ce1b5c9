"""The web workbench: FastAPI app, people and roles, wellness-first media, audit browser.

Pages and the JSON API under ``/api`` are thin shells over the service modules here
(``people``, ``auth``, ``media``, ``operation``, ``audit``); the CLI uses the same services.
"""
