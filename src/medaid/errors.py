"""The one exception hierarchy of medaid. Messages are API: they say what is wrong and what to do.

    MedaidError
    ├── ContractError        an input file breaks the data contract (file, row, field)
    │   └── EncodingError    the file is not UTF-8 (e.g. GBK from Excel)
    ├── PolicyError          a policy file is invalid (file, path in the document)
    ├── ConfigError          settings, keys or environment are wrong
    ├── NotFound             the object does not exist *or* is outside the caller's scope
    ├── PermissionDenied     the role may not do this
    ├── StateError           a state transition is not allowed (e.g. payout before approval)
    └── IdempotencyConflict  the same key was used with a different request

User-facing messages are bilingual: ``zh`` first, then ``en``.
"""

from __future__ import annotations


class MedaidError(Exception):
    """Base class: catch this to handle any medaid failure."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        self.en = en
        self.zh = zh or en
        super().__init__(f"{self.zh} / {en}" if zh else en)


class ContractError(MedaidError):
    """An input file breaks data contract v1 (DESIGN.md §4)."""

    def __init__(
        self,
        en: str,
        zh: str | None = None,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file, self.row, self.field = file, row, field
        super().__init__(en, zh)


class EncodingError(ContractError):
    """The file is not UTF-8; usually GBK saved by Excel. Re-save as 'CSV UTF-8'."""


class FeedbackRejected(ContractError):
    """A returned township work list has bad rows; ``problems`` lists every one (file, row, why)."""

    def __init__(self, en: str, zh: str | None = None, *, file: str | None = None,
                 problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(en, zh, file=file)


class PolicyError(MedaidError):
    """A policy file does not validate; ``problems`` lists every one of them, not just the first."""

    def __init__(self, en: str, zh: str | None = None, *, file: str | None = None,
                 problems: list[str] | None = None) -> None:
        self.file = file
        self.problems = problems or []
        super().__init__(en, zh)


class ConfigError(MedaidError):
    """Settings, keys or environment are missing or wrong."""


class NotFound(MedaidError):
    """Not there, or not visible to the caller (scope failures look the same on purpose)."""


class PermissionDenied(MedaidError):
    """The caller's role may not perform this action."""


class StateError(MedaidError):
    """A state transition that the workflow forbids."""


class IdempotencyConflict(MedaidError):
    """An idempotency key was reused for a different request."""


class Busy(MedaidError):
    """The server is at capacity for this kind of request and did nothing; retry after ``retry_after`` s."""

    def __init__(self, en: str, zh: str | None = None, *, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        super().__init__(en, zh)
