"""footnote's after-the-run side: analysis, dashboard and the doctor export."""
