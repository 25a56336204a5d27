//! SQL text helpers shared by repositories.

diesel::define_sql_function!(
    /// SQL `lower(text)`, for case-insensitive sorting and matching.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// `%term%` for `ILIKE`, with `%`, `_` and `\` escaped so the term matches literally.
pub fn contains_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }
}
