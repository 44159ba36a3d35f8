"""Accounts: the account switcher, the account editor and the header that names the active account."""
