"""The batch wizard: a CSV or JSON Lines file mapped, checked, sent through the outbox, reported."""
