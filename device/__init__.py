"""footnote's Pi side: button, feedback, footpod, and the SQLite store it writes."""

from functools import cache


@cache
def _installed_version() -> str:
    # Read on first use: importlib.metadata parses the package's METADATA with the email
    # package, about 35 ms here, which a command that never shows the version need not pay.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("footnote")  # the one place for the version is pyproject.toml
    except PackageNotFoundError:  # a tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
