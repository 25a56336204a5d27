"""Schemathesis hooks of scripts/contract-test (docs/adr/0017-openapi-contract.md).

Schemathesis 4.32.5 narrows header values to letters and digits; for a header whose
`pattern` needs other characters (`If-Match`: quotes, `*`) its coverage phase still sends
`0` and calls it valid data. Such a case is not what the document allows, so it is dropped
from the positive cases (the negative ones still send it, and the server must refuse it).

A `cursor` query parameter is an opaque token the server mints (base64url of a position,
crates/services/src/cursor.rs): a generated one cannot be valid, so a positive case that
sends one is dropped too; negative cases and every other parameter of those operations
still run.

A note's `contactId` (and its `tagIds`, `goalIds`) names the user's own rows, which a
generated UUID never is (400 `not_found` at `/contactId`, an answer about state). A positive
case of `POST /notes` is sent about one real contact the hook creates through the API (with
the run's token, `CONTRACT_TEST_TOKEN`) and without links; negative cases are left as they are.
The same holds for `POST /data-intelligence/contact-identities` (its `contactId`). An
identifier of kind `phone` must be a number its country's numbering plan assigns
(libphonenumber's metadata: data, like a row), which the document states as a shape and in
words: a positive case of the identifier routes sends a known valid number instead.
The stateful phase still sends ids taken from other responses (a deleted contact's, another
resource's): a 400 whose every error is `not_found` at an id field is that same answer about
state, like a 404, and `filter_failure` drops it; any other 400 still fails. The id fields
are those naming the user's rows or the shared zones (`contactId`, `projectId`, `zoneId`,
`tagIds/N`, `goalIds/N`, `noteIds/N`, `contactIds/N`), and the public form's `photoPath`
(`unknown_upload`: a photo uploaded with the same link).

`POST /contacts/import` takes a CSV whose header names contact fields: JSON Schema cannot
say which bytes those are, so a positive case is sent with a small valid CSV in place of the
generated file (its other form fields as generated); negative cases are left as they are.
Likewise `POST /omni-momentum/inbox/voice` reads the recording's type from its first bytes
(WebM, Ogg, MP3, M4A, WAV): a positive case sends a minimal WAV header as its `audio`.

A document's `ownerContactId` and an insight request's `subjectId` name the user's contacts
too: a 400 `not_found` there is the same answer about state.
"""

import json
import os
import re
import urllib.request

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


_contact_id = None

# A number the numbering plan assigns (NANP's 555-01xx range is reserved for fiction but
# valid): a generated one of the documented shape almost never is.
_VALID_PHONE = "+1 202 555 0143"


def _real_contact_id():
    global _contact_id
    if _contact_id is None:
        request = urllib.request.Request(
            f"http://{os.environ['OMNICRM_BIND']}/api/v1/contacts",
            data=json.dumps({"displayName": "Contract Test"}).encode(),
            headers={
                "Authorization": f"Bearer {os.environ['CONTRACT_TEST_TOKEN']}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            _contact_id = json.load(response)["id"]
    return _contact_id


_IMPORT_CSV = "displayName,primaryEmail\nContract Test,contract-import@example.com\n"
# The 12 bytes a WAV file starts with (RIFF, its length, WAVE) and an empty `fmt ` chunk.
# Long enough for any stated duration (the server refuses one the recording's size cannot
# hold: at least 250 bytes per second, up to 3600 s).
_WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(3600 * 256)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # Not `map_case`: any map hook fails the generation health check of unrelated operations.
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    if case.method.upper() == "POST" and case.path == "/api/v1/contacts/import":
        # Only when every component is valid: the coverage phase marks a case positive
        # overall while its body is a negative one (a missing or mistyped `file`).
        negative = any(c.mode.is_negative for c in (meta.components or {}).values())
        if isinstance(case.body, dict) and "file" in case.body and not negative:
            case.body = {**case.body, "file": _IMPORT_CSV}
        return
    if case.method.upper() == "POST" and case.path == "/api/v1/omni-momentum/inbox/voice":
        negative = any(c.mode.is_negative for c in (meta.components or {}).values())
        if isinstance(case.body, dict) and "audio" in case.body and not negative:
            case.body = {**case.body, "audio": _WAV}
        return
    if case.method.upper() not in ("POST", "PATCH") or not isinstance(case.body, dict):
        return
    if case.method.upper() == "POST" and case.path in (
        "/api/v1/notes",
        "/api/v1/data-intelligence/contact-identities",
    ):
        if "contactId" in case.body:
            case.body = {**case.body, "contactId": _real_contact_id()}
        for links in ("tagIds", "goalIds"):
            if case.body.get(links):
                case.body[links] = []
    if case.path.startswith("/api/v1/data-intelligence/") and case.body.get("kind") == "phone":
        case.body = {**case.body, "value": _VALID_PHONE}


_ID_POINTER = re.compile(
    r"^/(contactId|ownerContactId|subjectId|projectId|zoneId|tagIds/\d+|goalIds/\d+"
    r"|noteIds/\d+|contactIds/\d+)$"
)


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if _negative_with_replaced_audio(failure, case):
        return False
    if _ai_provider_down(case, response):
        return False
    if response.status_code != 400:
        return True
    try:
        problem = json.loads(response.content)
    except (ValueError, TypeError):
        return True
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if problem.get("code") != "validation_failed" or not errors:
        return True
    names_state = all(
        (error.get("code") == "not_found" and _ID_POINTER.match(str(error.get("pointer", ""))))
        # The public form's photo must be one uploaded with the same link: state too.
        or (error.get("code") == "unknown_upload" and error.get("pointer") == "/photoPath")
        for error in errors
    )
    return not (names_state or _reads_stored_kind(case, errors))


def _ai_provider_down(case, response):
    """The run's AI provider is a closed port on purpose (scripts/contract-test): a chat
    message that reaches it is the documented 503 `unavailable` (with `Retry-After`), what
    a client gets while the provider is down. Only the stateful phase gets that far (it needs
    a real thread)."""
    if response.status_code != 503 or not case.path.startswith("/api/v1/chat/threads/"):
        return False
    try:
        problem = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    return (
        isinstance(problem, dict)
        and problem.get("code") == "unavailable"
        and "AI provider" in str(problem.get("detail", ""))
    )


def _negative_with_replaced_audio(failure, case):
    """A voice capture whose recording `before_call` replaced by a real one is no longer
    the case schemathesis generated: its bookkeeping can still call it negative (for its
    headers, or with "positive test case" as the invalid component), and the server rightly
    accepts it. Schemathesis skips such cases itself when a hook replaces a JSON body
    (`_negative_body_replaced_by_caller`), not a multipart one."""
    if type(failure).__name__ != "AcceptedNegativeData":
        return False
    if case.method.upper() != "POST" or case.path != "/api/v1/omni-momentum/inbox/voice":
        return False
    return isinstance(case.body, dict) and case.body.get("audio") == _WAV


def _reads_stored_kind(case, errors):
    """A PATCH of an identity that sends `kind` or `value` without the other: the server
    reads the one sent against the stored other (a new value by the stored kind, the stored
    value by a new kind), which the document cannot know."""
    if case.method.upper() != "PATCH" or not isinstance(case.body, dict):
        return False
    if not case.path.startswith("/api/v1/data-intelligence/contact-identities/"):
        return False
    if ("kind" in case.body) == ("value" in case.body):
        return False
    return all(error.get("pointer") == "/value" for error in errors)
