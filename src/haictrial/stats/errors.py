"""Named errors of the statistics: an estimate the data cannot support.

:class:`NotEstimableError` is raised when the data are valid but the estimate does not exist or cannot be
trusted (a Cox coefficient that runs off to infinity under separation, a fit that does not converge). It
is an :class:`~haictrial.errors.InputError`, so that the CLI still answers with one line and exit 2; the
report catches it and writes the estimate as ``null`` with the message as its ``note``.
"""

from __future__ import annotations

from haictrial.errors import InputError


class NotEstimableError(InputError):
    """The data are valid, but the estimate does not exist for them (as lifelines' ``ConvergenceError``)."""

    code = "not_estimable"
