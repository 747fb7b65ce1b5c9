"""Leads: the lifecycle of a lead for a partner agency, signed lead packages, object crops.

Services are keyword-only functions on a caller's session; the caller commits (CLI command,
web request). Who may do what is checked here, from the acting person's role and agency
(:class:`lodestar.access.Actor`), so a web route stays a thin shell.
"""
