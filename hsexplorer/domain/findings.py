"""What the validator says about a payload: one finding per problem, with where and what to do."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """How sure we are that HubSpot will refuse the request."""

    ERROR = "error"  # HubSpot will reject the request
    WARNING = "warning"  # accepted, but probably not as the user meant
    INFO = "info"  # worth knowing; nothing is wrong

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable machine code, a JSON path into the payload and a one-sentence fix."""

    severity: Severity
    code: str
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity.value, "code": self.code, "path": self.path, "message": self.message}

    def with_prefix(self, prefix: str) -> Finding:
        """The same finding seen from an enclosing payload (`inputs[3].` + path)."""
        path = f"{prefix}.{self.path}" if self.path else prefix
        return Finding(self.severity, self.code, path, self.message)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def count_by_severity(findings: list[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: f.severity.rank)
