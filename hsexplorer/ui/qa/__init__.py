"""The QA workbench: edge cases at and past every limit, predictions beside HubSpot's answers."""
