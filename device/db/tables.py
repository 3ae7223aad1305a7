"""footnote's tables, each declared once, as data: its columns, their types and units.

Everything else that names a column asks these declarations: the migrations create the
tables from them (device.db.schema), the logger's and the catch-up's inserts follow them
(device.db.store), `footnote recover` maps salvaged rows with them, the reader and the
dashboard's writes select and save their columns (device.db.reader,
device.db.dashboard_writes), and the doctor's CSV and the analysis cache's key take their
column lists from them. tests/device/db/test_db_tables.py checks that a fresh database holds
exactly these tables and columns, and that the typed rows (device.db.rows) match them.

Time base: every `t_s` is seconds on the logger's monotonic clock since its run started;
`runs.started_at` is the wall clock (local time with its offset, ISO-8601) at that
instant, and `runs.clock_synced` says whether the system clock was synchronised then (a Pi
without network has no real-time clock, so an unsynchronised start may be off by days).

Adding a column to a table that exists: declare it with `added_by="<migration>"` and
append that migration (schema.MIGRATIONS) calling `schema.add_columns`. The migration that
made the table still makes it as it was, so a database made before the column and one
made after it end up alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# bool is stored as INTEGER 0/1 and read back with bool().
SQL_TYPES: dict[type, str] = {int: "INTEGER", float: "REAL", str: "TEXT", bytes: "BLOB", bool: "INTEGER"}


@dataclass(frozen=True)
class Column:
    name: str
    type: type  # int, float, str, bytes or bool
    unit: str = ""  # what a number counts in, or the format of a text
    not_null: bool = False
    references: str | None = None  # the table whose id this column holds
    values: tuple[str, ...] = ()  # the only values it takes, when they are few
    added_by: str | None = None  # the migration that added it to its existing table

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def definition(self, *, primary_key: bool = False) -> str:
        parts = [f'"{self.name}" {self.sql_type}']
        if primary_key:
            parts.append("PRIMARY KEY")
        if self.not_null:
            parts.append("NOT NULL")
        if self.references:
            parts.append(f'REFERENCES "{self.references}"("id")')
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...] = ("id",)
    indexes: tuple[tuple[str, ...], ...] = ()
    row_id: bool = True  # its `id` is SQLite's rowid, given by SQLite at insert

    def __post_init__(self) -> None:
        for name in self.pk + tuple(c for index in self.indexes for c in index):
            self.column(name)  # a key or index column must be declared

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def given(self) -> tuple[str, ...]:
        """The columns an insert gives (all but an id SQLite gives)."""
        return tuple(n for n in self.names if not (self.row_id and n == "id"))

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")

    def pick(self, *names: str) -> tuple[str, ...]:
        """These column names, checked: a column renamed in the declaration fails here,
        at import, rather than in a query."""
        for name in names:
            self.column(name)
        return names

    def without(self, *names: str) -> tuple[str, ...]:
        self.pick(*names)
        return tuple(n for n in self.names if n not in names)

    def create_sql(self, *, if_not_exists: bool = False) -> str:
        """The table as its creating migration makes it (columns added later excluded)."""
        first = [c for c in self.columns if c.added_by is None]
        single_pk = self.pk[0] if len(self.pk) == 1 else None
        lines = [c.definition(primary_key=c.name == single_pk) for c in first]
        if single_pk is None:
            lines.append("PRIMARY KEY (" + ", ".join(f'"{n}"' for n in self.pk) + ")")
        exists = "IF NOT EXISTS " if if_not_exists else ""
        return f'CREATE TABLE {exists}"{self.name}" (\n   ' + ",\n   ".join(lines) + "\n)"

    def index_sql(self) -> list[str]:
        return [
            f'CREATE INDEX "idx_{self.name}_{"_".join(index)}"\n    ON "{self.name}" ('
            + ", ".join(f'"{n}"' for n in index)
            + ")"
            for index in self.indexes
        ]

    def columns_sql(self, names: tuple[str, ...] | None = None, *, alias: str = "") -> str:
        """`"a", "b"` (or `r."a", r."b"` with an alias) for a SELECT."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(f'{prefix}"{n}"' for n in self.pick(*(names or self.names)))

    def select_sql(self, names: tuple[str, ...] | None = None) -> str:
        return f'SELECT {self.columns_sql(names)} FROM "{self.name}"'

    def insert_sql(
        self,
        names: tuple[str, ...] | None = None,
        *,
        conflict: Literal["REPLACE", "IGNORE"] | None = None,
        positional: bool = False,
    ) -> str:
        """An INSERT of these columns (default: every given one) with named parameters
        (`:run_id`: pass a mapping), or `?` ones in the order of `names` (pass tuples,
        such as a typed row whose fields are those names)."""
        names = self.pick(*(names or self.given))
        verb = f"INSERT OR {conflict}" if conflict else "INSERT"
        values = ", ".join("?" if positional else f":{n}" for n in names)
        return f'{verb} INTO "{self.name}" ({self.columns_sql(names)}) VALUES ({values})'


def _run_id(*, not_null: bool = True) -> Column:
    return Column("run_id", int, not_null=not_null, references="runs")


END_REASONS = ("stopped", "inactivity", "interrupted", "end_of_replay")
CADENCE_CONVENTIONS = ("auto", "steps", "strides")
SYMPTOM_KINDS = ("onset", "worse", "relief", "ignored_hold", "unresolved_at_run_end")
LINK_STATES = ("connected", "disconnected")
YES_NO = ("yes", "no")

RUNS = Table(
    "runs",
    (
        Column("id", int),
        Column("started_at", str, "ISO-8601 wall clock at t_s = 0, with the Pi's offset", not_null=True),
        Column("utc_offset_s", int, "s: the local time zone's offset at the start, for display"),
        Column("clock_synced", bool, "1 when the system clock was synchronised at the start", not_null=True),
        Column("ended_t_s", float, "s since the start; NULL while the run is open"),
        Column("end_reason", str, values=END_REASONS),
        Column("source", str, "live | replay:<file name>", not_null=True),
        Column("device", str, "logger host and version"),
        Column("footpod_address", str),
        Column("footpod_name", str),
        Column("footpod_feature", int, "RSC Feature bit field (0x2A54)"),
        Column("footpod_location", int, "Sensor Location (0x2A5D)"),
        Column("cadence_convention", str, values=CADENCE_CONVENTIONS),
        Column("strap_address", str, "the heart-rate strap's Bluetooth address", added_by="sensors_1_heart_rate"),
        Column("strap_name", str, added_by="sensors_1_heart_rate"),
        Column("strap_location", int, "Body Sensor Location (0x2A38)", added_by="sensors_1_heart_rate"),
    ),
)
SYMPTOM_EVENTS = Table(
    "symptom_events",
    (
        Column("id", int),
        _run_id(),
        Column("t_s", float, "s since the run's start", not_null=True),
        Column("kind", str, not_null=True, values=SYMPTOM_KINDS),
        Column("episode", int, "1, 2, ... within the run; NULL for an ignored hold"),
        Column("severity", int, "1 at onset, +1 per worse"),
    ),
    indexes=(("run_id", "t_s"),),
)
FOOTPOD_SAMPLES = Table(
    "footpod_samples",
    (
        Column("id", int),
        _run_id(),
        Column("t_s", float, "s since the run's start: the notification's arrival", not_null=True),
        Column("raw", bytes, "the notification exactly as received", not_null=True),
        Column("speed_mps", float, "m/s"),
        Column("cadence_raw", int, "per minute, as the pod sent it"),
        Column("cadence_spm", float, "steps per minute, normalised"),
        Column("stride_m", float, "m"),
        Column("pod_distance_m", float, "m: the pod's own total, when sent"),
        Column("distance_m", float, "m: the run distance, rebased, never backwards"),
        Column("running", bool, "the pod's running flag"),
    ),
    indexes=(("run_id", "t_s"),),
)
REJECTED_PACKETS = Table(
    "rejected_packets",
    (
        Column("id", int),
        _run_id(not_null=False),
        Column("t_s", float, "s since the run's start"),
        Column("raw", bytes, "the notification exactly as received"),
        Column("error", str, "why the decoder refused it"),
    ),
    indexes=(("run_id", "t_s"),),
)
LINK_EVENTS = Table(
    "link_events",
    (
        Column("id", int),
        _run_id(),
        Column("t_s", float, "s since the run's start", not_null=True),
        Column("state", str, not_null=True, values=LINK_STATES),
        Column("address", str, "the footpod's Bluetooth address"),
    ),
    indexes=(("run_id", "t_s"),),
)
ANNOTATIONS = Table(
    "annotations",
    (
        _run_id(not_null=False),
        Column("episode", int),
        Column("location", str, "a place of the leg (server.words.vocabulary)"),
        Column("side", str, values=("left", "right", "both")),
        # What was worn is the run's (run_setups): setup_1_worn_on_the_run moved these there,
        # and nothing writes them since. Kept, empty, so an older database reads as it did.
        Column("shoes", str, "moved to run_setups (setup_1_worn_on_the_run); empty"),
        Column("lacing", str, "moved to run_setups (setup_1_worn_on_the_run); empty"),
        Column("note", str),
        Column("rest_or_night", bool, "felt at rest or at night"),
        Column("weakness", bool),
        Column("cold_or_pale", bool),
        Column("sudden_pain", bool),
        Column("updated_at", str, "UTC ISO-8601"),
    ),
    pk=("run_id", "episode"),
    row_id=False,
)
RUN_CORRECTIONS = Table(
    "run_corrections",
    (
        _run_id(not_null=False),
        Column("started_at", str, "ISO-8601 with offset: the runner's corrected start"),
        Column("updated_at", str, "UTC ISO-8601"),
    ),
    pk=("run_id",),
    row_id=False,
)
DATABASE_IDENTITY = Table(
    "database_identity",
    (
        Column("id", int, "always 1: one row"),
        Column("uuid", str, "random, made once: the FHIR export's ids derive from it", not_null=True),
        Column("created_at", str, "UTC ISO-8601"),
    ),
    row_id=False,  # its one row is id 1, given
)
RUN_SETUPS = Table(
    "run_setups",
    (
        _run_id(not_null=False),
        Column("shoes", str),
        Column("lacing", str),
        Column("orthotics", str),
        Column("note", str),
        Column("updated_at", str, "UTC ISO-8601", not_null=True),
    ),
    pk=("run_id",),
    row_id=False,
)
CLAUDICATION_ANSWERS = Table(
    "claudication_answers",
    (
        Column("id", int),
        Column("answered_at", str, "UTC ISO-8601", not_null=True),
        Column("pain_when_walking", str, values=("yes", "no", "unable_to_walk")),
        Column("begins_at_rest", str, values=YES_NO),
        Column("uphill_or_hurrying", str, values=YES_NO),
        Column("ordinary_pace_level", str, values=YES_NO),
        Column("when_standing_still", str, values=("continues_over_10_min", "gone_within_10_min")),
        Column("where", str, "comma-separated places of the leg diagram"),
    ),
)
NOTICES = Table(
    "notices",
    (
        Column("id", int),
        Column("created_at", str, "UTC ISO-8601", not_null=True),
        Column("kind", str, not_null=True, values=("database_set_aside", "journal_unreadable")),
        Column("path", str, "the file the notice is about (absolute)"),
        Column("message", str, not_null=True),
        Column("resolved_at", str, "UTC ISO-8601; NULL until footnote recover has salvaged the file"),
    ),
)
HEART_RATE_SAMPLES = Table(
    "heart_rate_samples",
    (
        Column("id", int),
        _run_id(),
        Column("t_s", float, "s since the run's start: the notification's arrival", not_null=True),
        Column("raw", bytes, "the Heart Rate Measurement exactly as received", not_null=True),
        Column("bpm", int, "beats/min; NULL when it is no heart rate (no skin contact, out of range, rejected)"),
        Column("contact", str, "sensor contact", values=("not_supported", "not_detected", "detected")),
        Column("energy_kj", int, "kJ: energy expended since the strap's reset, when sent"),
        Column("rr_count", int, "RR intervals in the packet (their values are in raw)"),
        Column("error", str, "why the decoder refused it; NULL for a decoded packet"),
    ),
    indexes=(("run_id", "t_s"),),
)
STRAP_LINK_EVENTS = Table(
    "strap_link_events",
    (
        Column("id", int),
        _run_id(),
        Column("t_s", float, "s since the run's start", not_null=True),
        Column("state", str, not_null=True, values=LINK_STATES),
        Column("address", str, "the strap's Bluetooth address"),
        # Always "strap": it also tells these rows from the pod's link_events by their
        # shape alone (footnote recover's page reader places rows by shape).
        Column("sensor", str, not_null=True, values=("strap",)),
    ),
    indexes=(("run_id", "t_s"),),
)
WATCH_FILES = Table(
    "watch_files",
    (
        Column("id", int),
        Column("sha256", str, "of the original file: one row per file", not_null=True),
        Column("name", str, "the file's name as given"),
        Column("format", str, not_null=True, values=("fit", "tcx", "gpx")),
        Column("sport", str, "as the file names it, lower case"),
        Column("device", str, "the watch, when the file says"),
        Column("started_at", str, "UTC ISO-8601: the first record (the watch's GPS clock)", not_null=True),
        Column("ended_at", str, "UTC ISO-8601: the last record", not_null=True),
        Column("records", int, not_null=True),
        Column("original", bytes, "the file byte for byte", not_null=True),
        Column("added_at", str, "UTC ISO-8601", not_null=True),
    ),
    indexes=(("sha256",),),
)
WATCH_RECORDS = Table(
    "watch_records",
    (
        Column("id", int),
        Column("watch_file_id", int, not_null=True, references="watch_files"),
        Column("time_s", float, "s since the file's first record", not_null=True),
        Column("distance_m", float, "m, the watch's total"),
        Column("speed_mps", float, "m/s"),
        Column("cadence_spm", float, "steps per minute"),
        Column("heart_rate_bpm", int, "beats/min"),
        Column("altitude_m", float, "m"),
    ),
    indexes=(("watch_file_id", "time_s"),),
)
WATCH_ATTACHMENTS = Table(
    "watch_attachments",
    (
        _run_id(),
        Column("watch_file_id", int, not_null=True, references="watch_files"),
        Column("method", str, not_null=True, values=("wall_clock", "pod_speed", "presses_vs_stops")),
        Column("watch_start_t_s", float, "s: the run's t_s of the file's first record", not_null=True),
        Column("score", float, "1 by the wall clock; the correlation, or the share of presses that agree"),
        Column("runner_up", float, "the best score at a lag more than 60 s away"),
        Column("accepted", bool, "0 while an alignment proposed from the movement waits for the runner", not_null=True),
        Column("attached_at", str, "UTC ISO-8601", not_null=True),
    ),
    pk=("run_id", "watch_file_id"),
    row_id=False,
)
MIGRATIONS_DONE = Table(
    "_migrations",
    (Column("name", str), Column("applied_at", str, "UTC ISO-8601")),
    pk=("name",),
    row_id=False,
)

TABLES = (
    MIGRATIONS_DONE,
    RUNS,
    SYMPTOM_EVENTS,
    FOOTPOD_SAMPLES,
    REJECTED_PACKETS,
    LINK_EVENTS,
    ANNOTATIONS,
    RUN_CORRECTIONS,
    DATABASE_IDENTITY,
    RUN_SETUPS,
    CLAUDICATION_ANSWERS,
    NOTICES,
    HEART_RATE_SAMPLES,
    STRAP_LINK_EVENTS,
    WATCH_FILES,
    WATCH_RECORDS,
    WATCH_ATTACHMENTS,
)
# The rows a run is made of, each holding run_id and t_s: what a run's last moment is
# taken from, and what `footnote recover` puts back under a run.
RUN_CHILD_TABLES = (
    SYMPTOM_EVENTS,
    FOOTPOD_SAMPLES,
    LINK_EVENTS,
    REJECTED_PACKETS,
    HEART_RATE_SAMPLES,
    STRAP_LINK_EVENTS,
)

# What the runner says about an episode (rows.Annotation, the dashboard's form, the CSV).
ANNOTATION_FIELDS = ANNOTATIONS.without("run_id", "episode", "updated_at")
# An annotation's fields that are the run's setup's: read from run_setups, written there.
WORN_FIELDS = ("shoes", "lacing")
# What an annotation row itself holds: what belongs to the episode.
EPISODE_NOTE_FIELDS = tuple(n for n in ANNOTATION_FIELDS if n not in WORN_FIELDS)
ANNOTATION_FLAGS = tuple(n for n in ANNOTATION_FIELDS if ANNOTATIONS.column(n).type is bool)
# What the runner wore on a run (rows.RunSetup).
SETUP_FIELDS = RUN_SETUPS.without("run_id", "updated_at")
# The Edinburgh questionnaire's items, in its order (rows.ClaudicationAnswers).
CLAUDICATION_ITEMS = CLAUDICATION_ANSWERS.without("id", "answered_at")
