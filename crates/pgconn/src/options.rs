//! libpq's TLS options (`sslmode`, `sslrootcert`) taken out of a connection string, so the
//! rest can go to tokio-postgres, whose parser knows only `disable|prefer|require` and no
//! `sslrootcert`. Both forms are understood: `postgres://…?sslmode=…` and
//! `host=… sslmode=…`. One pass over the input, linear in its length.

use std::fmt::Write as _;

/// What `sslmode` asks for (libpq's meanings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plaintext only.
    Disable,
    /// TLS when the server offers it, plaintext otherwise; the certificate is not checked
    /// unless `sslrootcert` is given. libpq's default, and ours.
    Prefer,
    /// TLS or nothing; the certificate is not checked unless `sslrootcert` is given (then
    /// as `verify-ca`).
    Require,
    /// TLS, and the server's certificate chains to `sslrootcert`; the host name is not
    /// compared.
    VerifyCa,
    /// TLS, the chain to `sslrootcert`, and the certificate names the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, OptionsError> {
        match value {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            _ => Err(OptionsError::SslMode),
        }
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file of CA certificates.
    File(String),
    /// `sslrootcert=system`: the public web roots (Mozilla's list, built in).
    System,
}

/// The TLS options and the connection string without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// `sslmode`, `prefer` when absent.
    pub mode: SslMode,
    /// `sslrootcert`, if given.
    pub root_cert: Option<RootCert>,
    /// The input without `sslmode` and `sslrootcert`, for tokio-postgres.
    pub rest: String,
}

/// A connection string whose TLS options make no sense. The messages never quote the
/// connection string (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// An `sslmode` we do not know (`allow` is not supported either).
    #[error("sslmode must be disable, prefer, require, verify-ca or verify-full")]
    SslMode,
    /// `verify-ca`/`verify-full` without roots to verify against.
    #[error(
        "sslmode=verify-ca and verify-full need sslrootcert (a PEM file of CA certificates, or \
         `system` for the public web roots)"
    )]
    MissingRootCert,
    /// libpq: the system roots only make sense with the host name checked.
    #[error("sslrootcert=system requires sslmode=verify-full")]
    SystemRootsNeedVerifyFull,
    /// A quoted value without its closing quote, or a bad percent escape.
    #[error("malformed connection string")]
    Malformed,
}

impl TlsOptions {
    /// Splits the TLS options off `conn` (URL or key=value form).
    pub fn parse(conn: &str) -> Result<Self, OptionsError> {
        let mut mode = None;
        let mut root_cert = None;
        let mut take = |key: &str, value: String| -> Result<bool, OptionsError> {
            match key {
                "sslmode" => mode = Some(SslMode::parse(&value)?),
                "sslrootcert" if value == "system" => root_cert = Some(RootCert::System),
                "sslrootcert" => root_cert = Some(RootCert::File(value)),
                _ => return Ok(false),
            }
            Ok(true)
        };
        let rest = if is_url(conn) {
            strip_url(conn, &mut take)?
        } else {
            strip_key_values(conn, &mut take)?
        };
        let mode = mode.unwrap_or(SslMode::Prefer);
        match (mode, &root_cert) {
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
                return Err(OptionsError::MissingRootCert);
            }
            (SslMode::VerifyFull, Some(RootCert::System)) | (_, None | Some(RootCert::File(_))) => {
            }
            (_, Some(RootCert::System)) => return Err(OptionsError::SystemRootsNeedVerifyFull),
        }
        Ok(Self {
            mode,
            root_cert,
            rest,
        })
    }
}

fn is_url(conn: &str) -> bool {
    conn.starts_with("postgres://") || conn.starts_with("postgresql://")
}

type Take<'a> = dyn FnMut(&str, String) -> Result<bool, OptionsError> + 'a;

/// Drops the taken `key=value` pairs from the query string, keeping the others verbatim.
fn strip_url(conn: &str, take: &mut Take<'_>) -> Result<String, OptionsError> {
    let Some((base, query)) = conn.split_once('?') else {
        return Ok(conn.to_owned());
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !take(&percent_decode(key)?, percent_decode(value)?)? {
            kept.push(pair);
        }
    }
    if kept.is_empty() {
        Ok(base.to_owned())
    } else {
        Ok(format!("{base}?{}", kept.join("&")))
    }
}

fn percent_decode(s: &str) -> Result<String, OptionsError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(OptionsError::Malformed)?;
            let hex = std::str::from_utf8(hex).map_err(|_| OptionsError::Malformed)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| OptionsError::Malformed)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| OptionsError::Malformed)
}

/// Tokenises `key = value` pairs the way tokio-postgres (and libpq) do — whitespace
/// separated, values bare or single-quoted, backslash escapes — and writes the kept pairs
/// back quoted.
fn strip_key_values(conn: &str, take: &mut Take<'_>) -> Result<String, OptionsError> {
    let mut it = conn.chars().peekable();
    let mut rest = String::with_capacity(conn.len());
    loop {
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        let mut key = String::new();
        while let Some(c) = it.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        if key.is_empty() {
            if it.peek().is_some() {
                return Err(OptionsError::Malformed);
            }
            return Ok(rest);
        }
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        if it.next() != Some('=') {
            return Err(OptionsError::Malformed);
        }
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        let quoted = it.next_if_eq(&'\'').is_some();
        let mut value = String::new();
        loop {
            match it.next() {
                Some('\'') if quoted => break,
                Some(c) if !quoted && c.is_whitespace() => break,
                Some('\\') => value.extend(it.next()),
                Some(c) => value.push(c),
                None if quoted => return Err(OptionsError::Malformed),
                None => break,
            }
        }
        if !take(&key, value.clone())? {
            let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
            let _ = write!(rest, "{key}='{escaped}' ");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn url_form_loses_only_the_tls_options() {
        let o = TlsOptions::parse(
            "postgres://u:p%40ss@db:5432/crm?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert_eq!(o.mode, SslMode::VerifyFull);
        assert_eq!(o.root_cert, Some(RootCert::File("/etc/ca.pem".into())));
        assert_eq!(o.rest, "postgres://u:p%40ss@db:5432/crm?application_name=x");
        let o = TlsOptions::parse("postgresql://db/crm?sslmode=require").unwrap();
        assert_eq!(
            (o.mode, o.rest.as_str()),
            (SslMode::Require, "postgresql://db/crm")
        );
    }

    #[test]
    fn key_value_form_keeps_quoting_intact() {
        let o = TlsOptions::parse(
            r"host=db password='it\'s a secret' sslmode = verify-ca sslrootcert='/a b/ca.pem'",
        )
        .unwrap();
        assert_eq!(o.mode, SslMode::VerifyCa);
        assert_eq!(o.root_cert, Some(RootCert::File("/a b/ca.pem".into())));
        assert_eq!(o.rest, r"host='db' password='it\'s a secret' ");
        let parsed: tokio_postgres::Config = o.rest.parse().unwrap();
        assert_eq!(parsed.get_password(), Some(&b"it's a secret"[..]));
    }

    #[test]
    fn default_is_prefer() {
        let o = TlsOptions::parse("postgres://db/crm").unwrap();
        assert_eq!((o.mode, o.root_cert), (SslMode::Prefer, None));
    }

    #[test]
    fn nonsense_is_an_error_not_a_weaker_mode() {
        let err = |s| TlsOptions::parse(s).unwrap_err();
        assert_eq!(err("postgres://db?sslmode=allow"), OptionsError::SslMode);
        assert_eq!(
            err("postgres://db?sslmode=verify_full"),
            OptionsError::SslMode
        );
        assert_eq!(
            err("postgres://db?sslmode=verify-ca"),
            OptionsError::MissingRootCert
        );
        assert_eq!(
            err("host=db sslmode=require sslrootcert=system"),
            OptionsError::SystemRootsNeedVerifyFull
        );
        assert_eq!(err("host='db"), OptionsError::Malformed);
        assert_eq!(err("host db"), OptionsError::Malformed);
        assert_eq!(
            err("postgres://db?sslrootcert=%zz"),
            OptionsError::Malformed
        );
        assert!(TlsOptions::parse("host=db sslmode=verify-full sslrootcert=system").is_ok());
    }
}
