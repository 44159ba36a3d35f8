"""Names that identify the app to the OS: one reverse-DNS id used everywhere.

The keyring service name, the settings location, the desktop file, the AppStream
id and the macOS bundle id all derive from APP_ID, so they can never drift apart.
"""

from hsexplorer import __version__

APP_ID = "io.github.hsexplorer.HsExplorer"
APP_NAME = "hsexplorer"
DISPLAY_NAME = "HS Explorer"
ORGANIZATION = "hsexplorer"
VERSION = __version__
# The keyring service under which account secrets are stored.
KEYRING_SERVICE = APP_ID
