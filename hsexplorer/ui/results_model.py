"""Moved to `hsexplorer.ui.explore.results_model`. Only `ui/timeline_view.py` still imports the
time texts from here (it is being rewritten on another branch); drop this file once it imports
them from the Explore package."""

from hsexplorer.ui.explore.results_model import local_time_text, utc_time_text

__all__ = ["local_time_text", "utc_time_text"]
