"""Demo content for discussions (filled in below)."""


def seed(stdout) -> None:
    return None
