"""Use cases that combine the client, storage and domain: send-and-verify, batch runs, exports."""
