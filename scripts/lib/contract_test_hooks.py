"""Schemathesis hooks of scripts/contract-test (docs/adr/0017-openapi-contract.md).

Schemathesis 4.32.5 narrows header values to letters and digits; for a header whose
`pattern` needs other characters (`If-Match`: quotes, `*`) its coverage phase still sends
`0` and calls it valid data. Such a case is not what the document allows, so it is dropped
from the positive cases (the negative ones still send it, and the server must refuse it).

A `cursor` query parameter is an opaque token the server mints (base64url of a position,
crates/services/src/cursor.rs): a generated one cannot be valid, so a positive case that
sends one is dropped too; negative cases and every other parameter of those operations
still run.
"""

import re

import schemathesis


@schemathesis.hook
def filter_case(ctx, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    if "cursor" in (case.query or {}):
        return False
    headers = {name.lower(): value for name, value in (case.headers or {}).items()}
    for parameter in case.operation.headers:
        pattern = (parameter.definition.get("schema") or {}).get("pattern")
        value = headers.get(parameter.name.lower())
        if pattern and value is not None and not re.search(pattern, str(value)):
            return False
    return True
