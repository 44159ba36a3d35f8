"""hsexplorer: compose, validate, send and explore HubSpot custom behavioral events."""

__version__ = "0.2.0"
