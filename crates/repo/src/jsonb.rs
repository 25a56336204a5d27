//! `jsonb` columns read straight into their typed form.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;

/// A `jsonb` value as PostgreSQL sent it (the JSON text without the format's version
/// byte). [`RawJsonb::decode`] parses it into the domain type in one pass: reading it as a
/// `serde_json::Value` first built a map per object only to take it apart again, and a
/// contact list decodes three of them per row.
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct RawJsonb(Box<[u8]>);

impl RawJsonb {
    /// Parses the value as `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.0)
    }
}

impl From<&serde_json::Value> for RawJsonb {
    /// The value as PostgreSQL would send it back, for code that compares a value about to
    /// be written with stored rows (the contact import merging a row into a contact).
    fn from(value: &serde_json::Value) -> Self {
        Self(value.to_string().into_bytes().into())
    }
}

/// The only binary `jsonb` format PostgreSQL has: version 1, then the JSON text.
const JSONB_VERSION: u8 = 1;

impl FromSql<Jsonb, Pg> for RawJsonb {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((&JSONB_VERSION, text)) => Ok(Self(text.into())),
            _ => Err("unsupported jsonb binary format version".into()),
        }
    }
}
