"""The dashboard: the FastAPI app, its pages and JSON twins (routes), login and sessions
(auth, passwords), what each page shows (pagedata), and serving it (serve, lan)."""
