"""Errors a user can cause: each says what went wrong and what to do next, in one line.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; the service maps them to
4xx responses. Anything else reaching the user is a bug.
"""

from __future__ import annotations

from pathlib import Path


class ClusterKGError(Exception):
    """Base of the errors a user can cause and fix."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}: {self.hint}" if self.hint else self.message


class SourceSyntaxError(ClusterKGError):
    """An RDF file that does not parse; names file, line and column."""

    exit_code = 3

    def __init__(self, path: Path | str, line: int | None, column: int | None, detail: str) -> None:
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(f"{where}: syntax error: {detail}", "fix the file and run again")
        self.path, self.line, self.column, self.detail = str(path), line, column, detail


class QuerySyntaxError(ClusterKGError):
    """A SPARQL query the parser refuses; the message carries the parser's position."""

    exit_code = 3

    def __init__(self, detail: str) -> None:
        super().__init__(f"SPARQL syntax error: {detail}", "correct the query and run again")
        self.detail = detail


class StoreLocked(ClusterKGError):
    """Another process holds the store open for writing."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"the store {path} is locked by another process",
            "stop the other clusterkg process (a running 'clusterkg serve'?) and run again",
        )


class StoreMissing(ClusterKGError):
    """The store has not been built yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no store at {path}", "run 'clusterkg build' first")


class ValidationFailed(ClusterKGError):
    """Data that breaks the shapes; carries the report so callers can show it."""

    exit_code = 1

    def __init__(self, report: object, count: int, subjects: dict | None = None) -> None:
        super().__init__(
            f"{count} SHACL violation(s); nothing was written to the store",
            "fix the data named in the report and run again",
        )
        self.report = report
        self.subjects = subjects or {}
