"""Garmin FIT activity files through fitdecode (MIT, maintained, pure Python, reads every
FIT profile version and checks the file's CRC).

Garmin's own Python SDK (garmin-fit-sdk) reads them too, but its licence allows use
for "internal business purposes" only and forbids sublicensing, which an open project
that ships it to every runner cannot promise; fitdecode has no such terms.

Read: file_id (type must be activity; manufacturer and product for the device), sport
or session (sport), and every `record`: timestamp, distance (m), enhanced_speed or
speed (m/s), cadence + fractional_cadence (strides/min for running: doubled to
steps/min), heart_rate, enhanced_altitude or altitude (m), position (semicircles).
"""

from __future__ import annotations

import io

from footnote.device.watch.activity import WatchActivity, WatchFileError, WatchRecord

SEMICIRCLE_DEG = 180 / 2**31


def _num(frame, *names: str) -> float | None:
    for name in names:
        value = frame.get_value(name, fallback=None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def read_fit(data: bytes, *, what: str = "the FIT file") -> WatchActivity:
    import fitdecode

    records: list[WatchRecord] = []
    sport = None
    device = None
    file_type = None
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as fit:
            for frame in fit:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "file_id":
                    file_type = frame.get_value("type", fallback=None)
                    maker = frame.get_value("manufacturer", fallback=None)
                    product = frame.get_value("garmin_product", fallback=None) or frame.get_value(
                        "product", fallback=None
                    )
                    device = " ".join(str(x) for x in (maker, product) if x is not None) or None
                elif frame.name in ("sport", "session") and sport is None:
                    value = frame.get_value("sport", fallback=None)
                    sport = str(value).lower() if value is not None else None
                elif frame.name == "record":
                    t = frame.get_value("timestamp", fallback=None)
                    if t is None:
                        continue
                    strides = _num(frame, "cadence")
                    fraction = _num(frame, "fractional_cadence")
                    if strides is not None and fraction:
                        strides += fraction
                    hr = _num(frame, "heart_rate")
                    lat, lon = _num(frame, "position_lat"), _num(frame, "position_long")
                    records.append(
                        WatchRecord(
                            time=t,
                            distance_m=_num(frame, "enhanced_distance", "distance"),
                            speed_mps=_num(frame, "enhanced_speed", "speed"),
                            cadence_spm=strides * 2 if strides is not None else None,
                            heart_rate_bpm=round(hr) if hr is not None else None,
                            altitude_m=_num(frame, "enhanced_altitude", "altitude"),
                            lat=lat * SEMICIRCLE_DEG if lat is not None else None,
                            lon=lon * SEMICIRCLE_DEG if lon is not None else None,
                        )
                    )
    except fitdecode.FitError as exc:
        raise WatchFileError(f"{what}: a damaged FIT file ({exc})") from None
    except (EOFError, OSError, ValueError) as exc:
        raise WatchFileError(f"{what}: a damaged FIT file ({exc})") from None
    if file_type is not None and str(file_type) != "activity":
        raise WatchFileError(f"{what}: a FIT file of type {file_type}, not an activity")
    return WatchActivity(format="fit", sport=sport, device=device, records=records)
