"""The exceptions of microfolio. Every one is a :class:`MicrofolioError`; those about the
caller's input are also :class:`ValueError`. A stopped run raises :class:`KeyboardInterrupt`."""

from __future__ import annotations

from typing import Optional


class MicrofolioError(Exception):
    """A run or a study could not be made or did not complete (output folder, charts, ...)."""


class InputError(MicrofolioError, ValueError):
    """An argument that cannot be used: a metric name, a sweep parameter, a variant, threads..."""


class ScenarioError(InputError):
    """A scenario that cannot be used. The message names the file, the dotted key, the value and
    what is allowed, as the command line does; the same are attributes (``None`` where the
    error has none)."""

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        key: Optional[str] = None,
        value: Optional[str] = None,
        allowed: Optional[str] = None,
    ):
        super().__init__(message)
        self.file = file
        self.key = key
        self.value = value
        self.allowed = allowed
