"""The logger: where a press becomes a row (recorder), driven live (live) or from a record
file (replay, the record file format in record_file; stories for tests and the demo in story)."""
