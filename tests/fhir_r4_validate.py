"""Validate FHIR JSON files against R4 (4.0.1) with fhir.resources 6.4.0, its last R4
release. It needs pydantic 1, so it runs in its own environment (.venv-fhir-r4, made by
`make fhir-r4`), never in footnote's: tests call it as a subprocess.

    .venv-fhir-r4/bin/python tests/fhir_r4_validate.py bundle.json ...

Prints "ok" per valid file, or the validation errors; exit status 1 if any is invalid."""

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def main(paths):
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        try:
            construct_fhir_element(data["resourceType"], data)
        except Exception as exc:  # pydantic's ValidationError lists every problem
            bad += 1
            print(f"{path}: {exc}")
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
