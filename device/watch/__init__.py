"""The runner's watch recording of a run, after the run: reading a FIT, TCX or GPX file
(read.py, with fit.py, tcx.py and gpx.py), and finding where it sits on a footnote run's
clock (align.py). Pure functions over bytes and plain data; storing is device.db's.

Nothing here is imported by `footnote log`: fitdecode and gpxpy are loaded only by
`footnote attach` and the dashboard's upload, inside their handlers."""
