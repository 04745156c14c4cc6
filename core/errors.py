"""The one exception type that services raise when a rule says no."""


class ServiceError(Exception):
    """A rule said no and nothing was changed. `message` is Japanese and safe to show;
    `code` lets a view pick the status (e.g. "ineligible" → 403)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
