"""Read the rows of every table leaf page of an SQLite file, without SQLite.

This is what `footnote recover` falls back on when SQLite itself gives up on a file: a
truncated file, a damaged page 1, a broken b-tree. It follows the documented file format
(https://www.sqlite.org/fileformat2.html): each page that is a table b-tree leaf (type
0x0D) yields its cells as (rowid, [values]), overflow chains included. Which table a row
came from is not known here; the caller tells by the row's shape.

(The `sqlite3` command's `.recover` does the same job, but it needs the sqlite_dbpage
virtual table, which Debian 12's sqlite3 3.40 is built without.)
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

LEAF_TABLE = 0x0D
HEADER = b"SQLite format 3\x00"


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """(value, next position) of the SQLite varint at pos."""
    value = 0
    for i in range(8):
        byte = buf[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    return (value << 8) | buf[pos + 8], pos + 9


def _value(serial: int, buf: bytes, pos: int) -> tuple[object, int]:
    if serial == 0:
        return None, pos
    if 1 <= serial <= 6:
        size = (1, 2, 3, 4, 6, 8)[serial - 1]
        return int.from_bytes(buf[pos : pos + size], "big", signed=True), pos + size
    if serial == 7:
        return struct.unpack(">d", buf[pos : pos + 8])[0], pos + 8
    if serial in (8, 9):
        return serial - 8, pos
    if serial >= 12:
        size = (serial - 12) // 2
        data = buf[pos : pos + size]
        if len(data) < size:
            raise ValueError("record runs past its payload")
        return (bytes(data) if serial % 2 == 0 else data.decode("utf-8")), pos + size
    raise ValueError(f"reserved serial type {serial}")


def decode_record(payload: bytes) -> list[object]:
    header_size, pos = _varint(payload, 0)
    serials = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        serials.append(serial)
    values = []
    pos = header_size
    for serial in serials:
        value, pos = _value(serial, payload, pos)
        values.append(value)
    return values


def page_size_of(data: bytes) -> tuple[int, int]:
    """(page size, reserved bytes per page) from the header, or SQLite's default."""
    if data.startswith(HEADER) and len(data) >= 100:
        size = struct.unpack(">H", data[16:18])[0]
        size = 65536 if size == 1 else size
        if size >= 512 and size & (size - 1) == 0:
            return size, data[20]
    return 4096, 0


def leaf_rows(path: str | Path) -> Iterator[tuple[int, list[object]]]:
    """(rowid, values) of every readable cell on every table leaf page. Cells that do
    not decode (a torn page) are skipped."""
    data = Path(path).read_bytes()
    page_size, reserved = page_size_of(data)
    usable = page_size - reserved
    pages = len(data) // page_size
    for number in range(pages):
        start = number * page_size
        header_at = start + (100 if number == 0 else 0)
        page = data[start : start + page_size]
        if data[header_at] != LEAF_TABLE:
            continue
        cells = struct.unpack(">H", data[header_at + 3 : header_at + 5])[0]
        for i in range(cells):
            try:
                ptr = struct.unpack(">H", data[header_at + 8 + 2 * i : header_at + 10 + 2 * i])[0]
                if not 0 < ptr < page_size:
                    continue
                size, pos = _varint(page, ptr)
                rowid, pos = _varint(page, pos)
                payload = _payload(data, page, pos, size, usable, page_size)
                if payload is None:
                    continue
                yield rowid, decode_record(payload)
            except (IndexError, ValueError, UnicodeDecodeError, struct.error):
                continue


def _payload(data: bytes, page: bytes, pos: int, size: int, usable: int, page_size: int) -> bytes | None:
    """A cell's payload, following its overflow chain; None if the chain is cut."""
    if size <= usable - 35:
        return page[pos : pos + size]
    most = (usable - 12) * 32 // 255 - 23
    local = most + (size - most) % (usable - 4)
    if local > usable - 35:
        local = most
    parts = [page[pos : pos + local]]
    next_page = struct.unpack(">I", page[pos + local : pos + local + 4])[0]
    remaining = size - local
    seen = set()
    while remaining > 0:
        if next_page == 0 or next_page in seen or next_page * page_size > len(data):
            return None
        seen.add(next_page)
        overflow = data[(next_page - 1) * page_size : next_page * page_size]
        take = min(remaining, usable - 4)
        parts.append(overflow[4 : 4 + take])
        remaining -= take
        next_page = struct.unpack(">I", overflow[:4])[0]
    return b"".join(parts)
