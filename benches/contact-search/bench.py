#!/usr/bin/env python3
"""EXPLAIN ANALYZE the contact-list statements as the serving role on tenant 1 (20k contacts).

Set-up (see docs/crm/contacts.md): a migrated database (`omnicrm-server migrate`), the
serving role `omnicrm_app` (NOBYPASSRLS, member of omnicrm_app_group, password omnicrm_app),
then `psql -f seed.sql` as the owner. Run: `PGPORT=5432 PGDATABASE=exp ./bench.py [runs]`.
The statements mirror crates/repo/src/contacts/{queries,search}.rs; a unit test prints the
real one (`OMNICRM_PRINT_SQL=1 cargo test -p omnicrm-repo a_search_counts -- --nocapture`).
"""
import json, os, subprocess, statistics, sys

PORT = os.environ.get('PGPORT', '5432')
DB = os.environ.get('PGDATABASE', 'exp')
HOST = os.environ.get('PGHOST', '127.0.0.1')

U = "'00000000-0000-0000-0000-000000000001'::uuid"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7

def q(s): return "'" + s.replace("'", "''") + "'"

def trigrams(t):
    out = set()
    word = ''
    words = []
    for ch in t:
        if ch.isascii() and ch.isalnum(): word += ch.lower()
        else:
            if word: words.append(word)
            word = ''
    if word: words.append(word)
    for w in words:
        p = '  ' + w + ' '
        for i in range(len(p) - 2): out.add(p[i:i+3])
    return sorted(out)

NAIVE_PHONE = False
def search_parts(term, prefilter=True, fuzzy_fields=('name', 'email_local')):
    pat = q('%' + term.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%')
    t = q(term)
    sub = f"c.display_name ILIKE {pat} OR c.primary_email ILIKE {pat} OR c.primary_phone ILIKE {pat}"
    digits = ''.join(ch for ch in term if ch.isdigit())
    if all(ch.isdigit() or ch in ' +-().' for ch in term) and len(digits) >= 3:
        sub += f" OR translate(c.primary_phone, ' +-().', '') LIKE {q('%' + digits + '%')}"
        if NAIVE_PHONE: sub = sub.replace("translate(c.primary_phone, ' +-().', '')", "regexp_replace(c.primary_phone, '[^0-9]+', '', 'g')")
    fields = {'name': 'c.display_name', 'email_local': "split_part(c.primary_email, '@', 1)",
              'email': 'c.primary_email', 'phone': 'c.primary_phone'}
    sims = [f"word_similarity({t}, {fields[f]})" for f in fuzzy_fields]
    rel = f"((CASE WHEN {sub} THEN 1 ELSE 0 END) + greatest({', '.join(sims[:2])}))"
    alnum = sum(1 for ch in term if ch.isalnum())
    frm = ''
    phone_like = all(ch.isdigit() or ch in ' +-().' for ch in term) and len(digits) >= 3
    if alnum < 4 or (phone_like and not NAIVE_PHONE):
        return frm, f"({sub})", rel
    similar = '(' + ' OR '.join(f"{s} >= 0.5" for s in sims) + ')'
    tg = trigrams(term)
    if prefilter and term.isascii() and tg:
        frm = " CROSS JOIN LATERAL lower(c.display_name || ' ' || coalesce(split_part(c.primary_email, '@', 1), '')) AS h(haystack)"
        hits = ' + '.join(f"(strpos(h.haystack, {q(g.strip(' '))}) > 0)::int" for g in tg)
        fz = f"(({hits}) >= {(len(tg) + 1) // 2} AND {similar})"
    else:
        fz = similar
    return frm, f"({sub} OR {fz})", rel

def page_sql(where_from, where, rel, window, order_inner, order_outer):
    total = 'count(*) OVER ()' if window else 'NULL::bigint'
    relcol = f", {rel} AS relevance" if rel else ''
    return (f"WITH page AS (SELECT c.*, {total} AS total_count{relcol} FROM contacts c{where_from} WHERE {where} "
            f"ORDER BY {order_inner} LIMIT 20 OFFSET 0) SELECT page.*, last_note.content AS last_note FROM page "
            f"LEFT JOIN LATERAL (SELECT left(n.content_plain, 500) AS content FROM notes n WHERE n.user_id = page.user_id "
            f"AND n.contact_id = page.id ORDER BY n.created_at DESC, n.id DESC LIMIT 1) AS last_note ON true ORDER BY {order_outer}")

def count_sql(where_from, where):
    return f"SELECT count(*) FROM contacts c{where_from} WHERE {where}"

def run(sql):
    script = ("BEGIN; SELECT set_config('app.user_id','00000000-0000-0000-0000-000000000001',true) \\g /dev/null\n"
              f"EXPLAIN (ANALYZE, FORMAT JSON) {sql};\nROLLBACK;\n")
    out = subprocess.run(['psql', '-X', '-q', '-At', '-h', HOST, '-p', PORT, '-U', 'omnicrm_app', '-d', DB],
                         input=script, capture_output=True, text=True, env={**os.environ, 'PGPASSWORD': 'omnicrm_app'})
    if out.returncode != 0 or out.stderr.strip(): raise SystemExit(out.stderr + sql)
    doc = json.loads(out.stdout.strip().splitlines()[-1] if out.stdout.strip().startswith('[') is False else out.stdout.strip())
    return doc[0]['Execution Time'], doc[0]['Plan']

def median_ms(sqls):
    times = []
    for _ in range(RUNS):
        times.append(sum(run(s)[0] for s in sqls))
    return statistics.median(times), run(sqls[0])[1]

def rows_of(plan):
    return plan.get('Actual Rows')

base = f"c.user_id = {U}"
results = []
for term in ['smiht', 'jonathan', 'ann', 'gmail', '700-43']:
    # naive: every predicate without prefilter, fuzzy on name + full email + phone, page and count separately
    NAIVE_PHONE = True
    frm, cond, rel = search_parts(term, prefilter=False, fuzzy_fields=('name', 'email', 'phone'))
    NAIVE_PHONE = False
    where = f"{base} AND {cond}"
    naive = median_ms([page_sql(frm, where, rel, False, 'relevance DESC, c.id', 'page.relevance DESC, page.id'), count_sql(frm, where)])
    # fuzzy on name + email local part, no prefilter, window count
    frm, cond, rel = search_parts(term, prefilter=False)
    where = f"{base} AND {cond}"
    window = median_ms([page_sql(frm, where, rel, True, 'relevance DESC, c.id', 'page.relevance DESC, page.id')])
    # chosen: + prefilter
    frm, cond, rel = search_parts(term, prefilter=True)
    where = f"{base} AND {cond}"
    chosen = median_ms([page_sql(frm, where, rel, True, 'relevance DESC, c.id', 'page.relevance DESC, page.id')])
    cnt = median_ms([count_sql(frm, where)])
    total = subprocess.run(['psql','-X','-At','-h',HOST,'-p',PORT,'-U','postgres','-d',DB,'-c', count_sql(frm, where)], capture_output=True, text=True).stdout.strip()
    results.append((term, total, naive[0], window[0], chosen[0], cnt[0]))
    print(f"{term:10} matches={total:>5}  naive page+count={naive[0]:7.1f} ms  window, no prefilter={window[0]:7.1f} ms  chosen={chosen[0]:7.1f} ms  count only={cnt[0]:7.1f} ms", flush=True)

plain_page = page_sql('', base, None, False, 'c.created_at DESC, c.id DESC', 'page.created_at DESC, page.id DESC')
t_page = median_ms([plain_page])[0]
t_count = median_ms([count_sql('', base)])[0]
t_window = median_ms([page_sql('', base, None, True, 'c.created_at DESC, c.id DESC', 'page.created_at DESC, page.id DESC')])[0]
print(f"no search: page={t_page:.1f} ms  count={t_count:.1f} ms  window-count page={t_window:.1f} ms")
tag_where = f"{base} AND EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.user_id = c.user_id AND ct.contact_id = c.id AND ct.tag_id = ANY(ARRAY(SELECT id FROM tags WHERE user_id = {U} ORDER BY name LIMIT 2)))"
t_tag = median_ms([page_sql('', tag_where, None, False, 'c.created_at DESC, c.id DESC', 'page.created_at DESC, page.id DESC'), count_sql('', tag_where)])[0]
print(f"tag filter (2 tags): page+count={t_tag:.1f} ms")
