"""Operation reports: the operation's figures, live from the store, as JSON and PDF."""
