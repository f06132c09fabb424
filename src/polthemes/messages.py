"""Messages a user must see, through :mod:`logging`, in one shape.

Every module logs to ``logging.getLogger(__name__)`` (under the ``polthemes`` logger);
the command line shows INFO and above on standard error, one plain line each
(:func:`log_to_stderr`). A warning is for a problem the run works around (a damaged
cache rebuilt, a folder it could not tidy) and always reads
``polthemes: warning: <where>: <what>``, through :func:`warn`, so the wording is one.
Errors a user can fix are exceptions the command line prints as ``polthemes: error: ...``.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("polthemes")


class _StandardError(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture, a notebook's stream)."""

    polthemes = True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # a closed stream must not end the run
            self.handleError(record)


def log_to_stderr(level: int = logging.INFO) -> None:
    """Show the package's messages of ``level`` and above on standard error, one plain line
    each; calling it again changes nothing but the level."""
    if not any(getattr(handler, "polthemes", False) for handler in logger.handlers):
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)


def warn(message: str) -> None:
    """One warning line on standard error (shown even where no one configured logging)."""
    if not logger.handlers:
        log_to_stderr()
    logger.warning(f"polthemes: warning: {message}")
