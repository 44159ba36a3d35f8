"""The one exception-to-words helper: a screen's status line never shows a traceback or a secret."""

from __future__ import annotations

from hsexplorer.storage.logging_setup import register_secret
from hsexplorer.ui.errors import describe_error, user_message


class Refused(Exception):
    user_message = "HubSpot refused the token (401)."


def test_user_message_prefers_the_errors_own_words_then_the_os_then_the_text():
    assert user_message(Refused("401 raw")) == "HubSpot refused the token (401)."
    assert user_message(FileNotFoundError(2, "No such file or directory")) == \
        "The operating system reported a problem: No such file or directory."
    assert user_message(ValueError("bad row 3")) == "bad row 3"
    assert user_message(RuntimeError()) == "RuntimeError"


def test_user_message_removes_a_known_secret():
    register_secret("pat-na1-11111111-2222-3333-4444-555555555555")
    shown = user_message(ValueError("token pat-na1-11111111-2222-3333-4444-555555555555 refused"))
    assert "pat-na1-11111111" not in shown and "refused" in shown


def test_the_dialog_and_the_status_line_agree_on_known_errors():
    assert describe_error(Refused()).explanation == user_message(Refused())
