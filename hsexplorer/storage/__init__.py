"""Local state: settings file, keyring wrapper, SQLite databases (history, outbox, templates)."""
