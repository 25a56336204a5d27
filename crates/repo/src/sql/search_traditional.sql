SELECT kind, id, title, snippet, score, created_at
FROM tenant_search($1, $2, $3, $4, $5)
