"""footnote's Pi side: button, feedback, footpod, and the SQLite store it writes."""

__version__ = "0.1.0"
