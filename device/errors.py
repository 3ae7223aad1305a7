"""footnote's own errors: each also inherits the builtin it resembles."""


class FootnoteError(Exception):
    """Base class of every error footnote raises on purpose."""


class RscDecodeError(FootnoteError, ValueError):
    """An RSC Measurement notification that does not match its own flags."""


class HrmDecodeError(FootnoteError, ValueError):
    """A Heart Rate Measurement notification that does not match its own flags."""


class ReplayFormatError(FootnoteError, ValueError):
    """A record/replay file line that is not valid; the message names the line number."""


class ConfigError(FootnoteError, ValueError):
    """A configuration value that is wrong; the message names the key."""


class StoreError(FootnoteError, OSError):
    """The database could not be written (for example a full disk)."""


class NoDatabase(FootnoteError, FileNotFoundError):
    """There is no footnote database at the path given."""


class DatabaseTooOld(FootnoteError, LookupError):
    """A footnote database older than the table a save needs (the message names the file,
    the table and who brings it up to date). Nothing was written."""


class NoSuchRun(FootnoteError, LookupError):
    """A run id the database does not hold."""


class NoSuchEpisode(FootnoteError, LookupError):
    """An episode number its run does not have."""


class NothingToExport(FootnoteError, LookupError):
    """No runs in the database, or none in the chosen period."""


class BadPeriod(FootnoteError, ValueError):
    """A period that is not one: a malformed date, or an end before the start.
    `without_value` says the same without repeating what was typed (for a web page)."""

    def __init__(self, message: str, *, without_value: str | None = None) -> None:
        super().__init__(message)
        self.without_value = without_value or message


class PasswordError(FootnoteError, ValueError):
    """A new dashboard password that cannot be used (too short, typed differently twice, ...)."""


class CertificateError(FootnoteError, ValueError):
    """The dashboard's HTTPS certificate or key is missing or unusable."""


class DamagedDatabase(FootnoteError, OSError):
    """A database file that is damaged, or is not footnote's (the message names the file
    and says what to do: footnote recover)."""


class PinsUnavailable(FootnoteError, OSError):
    """The button or the feedback pins could not be opened (the message names why)."""


class UnusableFile(FootnoteError, OSError):
    """A file given as input that is missing, unreadable, too big, or not a regular file (a
    folder, a FIFO, a device); the message names it."""


class NotADemoDatabase(FootnoteError, FileExistsError):
    """A file `footnote demo` will not replace: it did not make it (the message names it)."""


class RunCannotBeShown(FootnoteError, ValueError):
    """A stored run whose times cannot be shown (server.analysis.showable); the message names it."""


class NotADatabaseFile(FootnoteError, IsADirectoryError):
    """A database path that names a folder, a FIFO or a device: never opened (a FIFO would
    block the command)."""


class OutputFileError(FootnoteError, FileNotFoundError):
    """A file a command should write cannot be made where it was asked (the message names it)."""


class PortInUse(FootnoteError, OSError):
    """The dashboard's port cannot be listened on (the message names it and --port)."""
