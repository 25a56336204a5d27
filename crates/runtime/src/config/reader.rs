//! Typed getters over [`Settings`] that never stop at the first bad value: each getter
//! records its problem (prefixed with the variable's name) and answers the default, so
//! the operator sees every problem of a configuration in one run.

use std::fmt::Display;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use super::Settings;

/// Reads one [`Settings`] and collects the problems found on the way.
pub(super) struct Reader<'s> {
    settings: &'s Settings,
    problems: Vec<String>,
}

impl<'s> Reader<'s> {
    pub(super) fn new(settings: &'s Settings) -> Self {
        Self {
            settings,
            problems: Vec::new(),
        }
    }

    /// The raw value, `None` when unset or blank.
    pub(super) fn text(&self, key: &str) -> Option<&'s str> {
        self.settings.get(key)
    }

    /// The raw value, or `default` when unset or blank.
    pub(super) fn text_or(&self, key: &str, default: &'s str) -> &'s str {
        self.text(key).unwrap_or(default)
    }

    /// Records a problem with `key` (for rules that span several variables).
    pub(super) fn problem(&mut self, key: &str, message: impl Display) {
        self.problems.push(format!("{key}: {message}"));
    }

    /// Records `message()` as a problem with `key` unless `ok`.
    pub(super) fn check(&mut self, key: &str, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.problem(key, message());
        }
    }

    /// The value parsed by `parse`; `None` when unset, or when `parse` fails (its message
    /// becomes the problem).
    pub(super) fn parsed<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.text(key)?;
        parse(value).map_err(|msg| self.problem(key, msg)).ok()
    }

    /// A number in `range`, or `default` when unset; otherwise the problem
    /// "expected {expected}, got {value:?}".
    pub(super) fn number<T>(
        &mut self,
        key: &str,
        default: T,
        range: RangeInclusive<T>,
        expected: &str,
    ) -> T
    where
        T: FromStr + PartialOrd,
    {
        self.parsed(key, |v| {
            v.trim()
                .parse::<T>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| format!("expected {expected}, got {v:?}"))
        })
        .unwrap_or(default)
    }

    /// A rate-limit budget in requests per minute (1..=1000000), or `default` when unset.
    pub(super) fn per_minute(&mut self, key: &str, default: u32) -> u32 {
        self.number(
            key,
            default,
            1..=1_000_000,
            "requests per minute 1..=1000000",
        )
    }

    /// A non-zero humantime duration (`30s`, `5m`), or `default` when unset.
    pub(super) fn duration(&mut self, key: &str, default: Duration) -> Duration {
        self.parsed(key, |v| {
            humantime::parse_duration(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| format!("expected a duration such as `2s` or `500ms`, got {v:?}"))
        })
        .unwrap_or(default)
    }

    /// `true`/`1`/`yes` or `false`/`0`/`no` (any case), or `default` when unset.
    pub(super) fn bool(&mut self, key: &str, default: bool) -> bool {
        self.parsed(key, |v| {
            parse_bool(v).ok_or_else(|| format!("expected true or false, got {v:?}"))
        })
        .unwrap_or(default)
    }

    /// A `host:port` address; `None` when unset or invalid ("expected {expected}, got ..").
    pub(super) fn socket_addr(&mut self, key: &str, expected: &str) -> Option<SocketAddr> {
        self.parsed(key, |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| format!("expected {expected}, got {v:?}"))
        })
    }

    /// An `http://` or `https://` URL with surrounding whitespace removed; `None` when unset.
    /// An invalid URL is a problem ("{requirement}, got ..") yet still answered, so rules
    /// that depend on the variable being set do not report a second problem.
    pub(super) fn url(&mut self, key: &str, requirement: &str) -> Option<String> {
        let url = self.text(key)?.trim().to_owned();
        self.check(key, is_http_url(&url), || {
            format!("{requirement}, got {url:?}")
        });
        Some(url)
    }

    /// `value` when no problem was found, else every problem in one error.
    pub(super) fn finish<T>(self, value: T) -> anyhow::Result<T> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            anyhow::bail!(
                "invalid configuration:\n  - {}",
                self.problems.join("\n  - ")
            )
        }
    }
}

/// Whether `url` starts with `http://` or `https://`.
pub(super) fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}
