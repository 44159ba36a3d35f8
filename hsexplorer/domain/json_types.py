"""The one name for data that really is arbitrary JSON.

HubSpot's request and response bodies, payloads typed by a user and traces read back
from disk can hold any JSON value; the code inspects them with isinstance checks where
it needs a shape. Everything else has a real type: `Any` in a signature outside JSON
is a gap, `JsonValue` says the data is open by nature.
"""

from __future__ import annotations

from typing import Any, TypeAlias

# A recursive union (dict | list | str | int | float | bool | None) would make every
# read of a nested field a cast; the checks at each reading place do that work instead.
JsonValue: TypeAlias = Any
