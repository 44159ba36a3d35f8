"""The History area: every data-changing request the app made, searchable, with resend and diff."""
