"""The PDF's font: DejaVu Sans, embedded, so any name or note prints as typed (Zoë, Łukasz,
Привет, Ελένη), never as boxes.

Why DejaVu Sans: it covers Latin with every European accent, Greek and Cyrillic in one
family with a bold; it is free (the Bitstream Vera licence, changes in the public domain);
and Debian, Raspberry Pi OS and most Linux distributions ship it as a package
(fonts-dejavu-core on Debian, which hardware/install-pi.sh and `make test` install), so the
wheel carries no 1.4 MB of font files and the distribution keeps them up to date.
reportlab embeds only the glyphs a report uses (a subset), so a PDF grows by a few tens of
kilobytes.

Where the files are not found the report falls back to Helvetica (Latin-1 only) and says
so in the log: the export still works, and a name outside Latin-1 shows as boxes.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Raspberry Pi OS, Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
    Path("/opt/homebrew/share/fonts"),
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
FAMILY = "DejaVuSans"
FALLBACK, FALLBACK_BOLD = "Helvetica", "Helvetica-Bold"


@cache
def report_fonts() -> tuple[str, str]:
    """The (regular, bold) font names for the report, registered with reportlab once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in FONT_FOLDERS:
        regular, bold = folder / REGULAR, folder / BOLD
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FAMILY, str(regular)))
            pdfmetrics.registerFont(TTFont(f"{FAMILY}-Bold", str(bold)))
            # <b> in a paragraph of this family picks the bold file
            addMapping(FAMILY, 0, 0, FAMILY)
            addMapping(FAMILY, 1, 0, f"{FAMILY}-Bold")
            addMapping(FAMILY, 0, 1, FAMILY)
            addMapping(FAMILY, 1, 1, f"{FAMILY}-Bold")
            return FAMILY, f"{FAMILY}-Bold"
    logger.warning(
        "DejaVu Sans not found (Debian: apt install fonts-dejavu-core): the PDF uses Helvetica, and names or "
        "notes outside Latin-1 print as boxes"
    )
    return FALLBACK, FALLBACK_BOLD
