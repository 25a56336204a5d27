#!/usr/bin/env python3
"""Turns a PostgreSQL log taken with log_min_duration_statement = 0 into a pgbench script.

Reads the log on stdin (log_line_prefix '%m [%p] %u '), keeps the statements the given
role executed (simple-protocol `statement:` and extended-protocol `execute`), inlines each
execute's bound parameters as quoted literals, gives inserted rows fresh ids (tenant tables
start with (user_id, id)), and prints one statement per line, each
ending with ';'. Used by scripts/bench-crm so the ceiling runs exactly what the endpoint ran.
"""
import re
import sys

role = sys.argv[1]
entry_re = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[(\d+)\] (\S*) (LOG|DETAIL|ERROR|STATEMENT):  (.*)$")
stmt_re = re.compile(r"^duration: [\d.]+ ms  (?:statement|execute [^:]+): (.*)$", re.S)
param_re = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")



def strip_comments(sql):
    """Drops `--` comments (outside single quotes): the statements are joined onto one line
    each, where a comment would swallow the rest of the statement."""
    out, quoted, i = [], False, 0
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_statements(sql):
    """A simple-protocol entry may hold several statements (`BEGIN; SELECT ..`): pgbench's
    prepared mode needs one per line. Splits at semicolons outside single quotes."""
    parts, current, quoted = [], [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def fresh_ids(sql):
    """Tenant tables start with (user_id, id): repeated runs need fresh ids, in a VALUES
    list or in the id array of an INSERT .. SELECT FROM unnest(users, ids, ..)."""
    sql = re.sub(r"\('([0-9a-f-]{36})', '[0-9a-f-]{36}', ", r"('\1', gen_random_uuid(), ", sql)

    def ids(m):
        n = m.group(2).count(",") + 1
        return f"{m.group(1)}(SELECT array_agg(gen_random_uuid()) FROM generate_series(1, {n}))::uuid[]"

    return re.sub(r"(unnest\('[^']*'::uuid\[\], )'([^']*)'::uuid\[\]", ids, sql)


entries = []
for line in sys.stdin:
    line = line.rstrip("\n")
    m = entry_re.match(line)
    if m:
        entries.append([m.group(2), m.group(3), m.group(4)])
    elif entries and line.startswith("\t"):
        entries[-1][2] += "\n" + line[1:]

out = []
for i, (user, kind, text) in enumerate(entries):
    if user != role or kind != "LOG":
        continue
    m = stmt_re.match(text)
    if not m:
        continue
    sql = m.group(1).strip()
    params = {}
    if i + 1 < len(entries) and entries[i + 1][1] == "DETAIL" and entries[i + 1][2].lower().startswith("parameters:"):
        params = {int(n): v for n, v in param_re.findall(entries[i + 1][2])}
    sql = re.sub(r"\$(\d+)\b", lambda p: params.get(int(p.group(1)), p.group(0)), sql)
    if re.search(r"\$\d+\b", sql):
        sys.exit(f"capture-statements: unbound parameter left in: {sql[:200]}")
    for one in split_statements(strip_comments(sql)):
        if one.upper().startswith("INSERT"):
            one = fresh_ids(one)
        out.append(" ".join(one.split()) + ";")

if not out:
    sys.exit("capture-statements: no statements found for role " + role)
print("\n".join(out))
