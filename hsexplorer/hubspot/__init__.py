"""The async HTTP client for HubSpot's events APIs: the only package that imports httpx."""
