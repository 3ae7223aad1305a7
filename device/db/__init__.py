"""footnote's database, and its one owner: every table declared once, as data (tables);
the migrations made from those declarations and the one "is it footnote's" rule (schema);
one way to open a writer and one a reader (connect); the typed rows (rows); the logger's
writes and how a run ends (store); every read the commands and the dashboard make
(reader); the dashboard's saves (dashboard_writes); the SD card notices (notices).

SQL about footnote's database lives here. Outside it: `footnote recover` reading what is
left of a damaged copy (device.durability.recover, with the declarations' column lists),
the integrity check's PRAGMA (device.durability.integrity), the page reader
(device.durability.sqlite_pages), and the dashboard's own analysis cache file
(server.analysis_cache), which is not footnote's database."""
