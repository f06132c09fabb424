"""Warnings a user must see, in one shape: ``polthemes: warning: <where>: <what>`` on stderr.

Errors a user can fix are exceptions the command line prints as ``polthemes: error: ...``;
a warning is for a problem the run works around (a damaged cache rebuilt, a folder it
could not tidy). Every module says it through :func:`warn`, so the wording is one.
"""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    """One warning line on standard error."""
    print(f"polthemes: warning: {message}", file=sys.stderr, flush=True)
