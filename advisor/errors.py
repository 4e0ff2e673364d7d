"""The error hierarchy: every failure a user can cause carries its exit code."""

from typing import NamedTuple


class Diagnostic(NamedTuple):
    """One problem found in an input file, pointing at a line and column (1-based)."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def render(self) -> str:
        """Format as `file:line:col: error: message (hint)`, the form editors can jump to."""
        text = f"{self.file}:{self.line}:{self.column}: error: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_dict(self) -> dict[str, object]:
        """Return the diagnostic as a JSON-ready mapping."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class AdvisorError(Exception):
    """Base of every error the CLI turns into a message; never shown as a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The lines to print on stderr."""
        out = [f"error: {self.message}"]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


class UsageError(AdvisorError):
    """The command line itself is wrong (bad option value, missing file)."""


class InputError(AdvisorError):
    """An input file is malformed or invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic], *, what: str = "workload") -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.column, d.message))
        count = len(self.diagnostics)
        noun = "error" if count == 1 else "errors"
        first_file = self.diagnostics[0].file if self.diagnostics else "input"
        super().__init__(f"{first_file}: {count} {noun} in {what} file")

    def lines(self) -> list[str]:
        """One line per diagnostic, then a count."""
        return [d.render() for d in self.diagnostics] + [f"error: {self.message}"]


class RuleError(InputError):
    """A rule file is malformed or invalid."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics, what="rule")


class CheckFailed(AdvisorError):
    """A check the user asked for did not pass (for example a cost ceiling)."""

    exit_code = 1
