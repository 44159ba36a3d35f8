"""The Compose area: pick an event, fill the form built from its definition, send and verify."""
