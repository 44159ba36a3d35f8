"""The Qt-free, I/O-free model of HubSpot custom behavioral events and the validator."""
