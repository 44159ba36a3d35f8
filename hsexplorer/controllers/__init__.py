"""Qt-free controllers: one per area of the desktop app, holding its state and its intents.

A widget renders a controller's state and forwards the user's intent to it; the controller
decides, calling the use cases in `hsexplorer.services`. Tests drive controllers without Qt.
"""
