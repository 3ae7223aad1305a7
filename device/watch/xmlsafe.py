"""Parse an uploaded XML file (TCX, GPX) without trusting it.

defusedxml's iterparse with `forbid_dtd=True` refuses any document type declaration,
so no entity can be declared (no "billion laughs", no external entity reading a file
of the Pi), and no external resource is fetched. A tree deeper than MAX_DEPTH or with
more than MAX_ELEMENTS elements is refused while it is read, before it is all in
memory. Only then is the document handed to a reader: gpxpy uses lxml when it is
installed, and lxml expands entities by default, so this pass must come first.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from footnote.device.watch.activity import WatchFileError

MAX_DEPTH = 32  # TCX nests 9 deep, GPX with Garmin extensions 7
MAX_ELEMENTS = 2_000_000  # a 3-hour TCX at one record a second has about 200,000


def parse(data: bytes, *, what: str) -> ET.Element:
    """The root element; WatchFileError (one line naming `what`) for anything hostile or broken."""
    depth = elements = 0
    root: ET.Element | None = None
    try:
        for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                elements += 1
                if root is None:
                    root = element
                if depth > MAX_DEPTH:
                    raise WatchFileError(f"{what}: the XML nests deeper than {MAX_DEPTH} levels; refused")
                if elements > MAX_ELEMENTS:
                    raise WatchFileError(f"{what}: the XML has more than {MAX_ELEMENTS:,} elements; refused")
            else:
                depth -= 1
    except defusedxml.DTDForbidden:
        raise WatchFileError(f"{what}: the XML declares a document type (entities); refused") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden, defusedxml.NotSupportedError):
        raise WatchFileError(f"{what}: the XML uses entities or external references; refused") from None
    except ET.ParseError as exc:
        raise WatchFileError(f"{what}: not well-formed XML ({exc})") from None
    if root is None:
        raise WatchFileError(f"{what}: empty XML")
    return root


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rsplit("}", 1)[-1]
