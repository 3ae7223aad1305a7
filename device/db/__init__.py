"""footnote's database, and its one owner: the tables (schema), the typed rows (rows), the
logger's writes (store) and the reads every command and the dashboard make (reader)."""
