"""The shared Qt kit: one row table model, one debouncer, one way off the UI thread, one palette."""
