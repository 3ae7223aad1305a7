"""The Pi side starts fast on a Pi Zero 2 W: `footnote log` never loads the dashboard's
packages, nor sqlite-utils and numpy on a database that needs no migration."""

import subprocess
import sys


def test_the_logger_imports_no_web_or_chart_packages(tmp_path):
    from footnote.device.db.store import Store

    db = tmp_path / "f.db"
    Store(db).close()  # migrated already, as on every start but the first
    code = (
        "import sys; import footnote.device.cli, footnote.device.live, footnote.device.parts.footpod, footnote.device.check;"
        f"from footnote.device.db.store import Store; Store({str(db)!r}).close();"
        "heavy = [m for m in ('fastapi', 'pydantic', 'starlette', 'matplotlib', 'reportlab', 'jinja2', 'sqlite_utils', 'numpy') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
