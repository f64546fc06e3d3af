"""What the command modules share: the error a user can fix, printed without a trace."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the command's input that the user can fix; printed without a trace."""
