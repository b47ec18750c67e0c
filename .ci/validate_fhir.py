#!/usr/bin/env python3
"""Validate FHIR R4 Bundles (JSON files) with the Python package fhir.resources.

Usage: python3 validate_fhir.py BUNDLE.json...    (pip install 'fhir.resources>=7')

fhir.resources 7+/8 model R5 at the top level; R4B sits under fhir.resources.R4B (there is no
separate R4 package; R4B changed none of the resources the portal exports). The Bundle is parsed,
then every entry's resource is parsed again with its own model class so that an error names the
entry. Exit status 0 when every file is valid, 1 otherwise.
"""
import json
import sys

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle


def validate(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    problems = []
    try:
        Bundle.model_validate(data)
    except Exception as e:  # pydantic.ValidationError and friends
        problems.append(f"Bundle: {e}")
    counts = {}
    for i, entry in enumerate(data.get("entry", [])):
        resource = entry.get("resource", {})
        rtype = resource.get("resourceType", "?")
        counts[rtype] = counts.get(rtype, 0) + 1
        try:
            get_fhir_model_class(rtype).model_validate(resource)
        except Exception as e:
            problems.append(f"entry {i} {rtype} {resource.get('id')}: {e}")
    return counts, problems


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = False
    for path in paths:
        counts, problems = validate(path)
        summary = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
        if problems:
            failed = True
            print(f"INVALID {path}: {len(problems)} problem(s)")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"valid   {path}: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
