"""A local emulator of HubSpot's custom events APIs (ASGI app, SQLite state, faults)."""
