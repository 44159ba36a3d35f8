"""The Explore area: find what HubSpot stored, as a table, a timeline and exports."""
