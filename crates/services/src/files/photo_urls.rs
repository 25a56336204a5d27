//! Signed photo URLs for views that show client photos, with the HIPAA/GDPR access audit.

use std::collections::HashMap;

use omnicrm_domain::files::MAX_USER_AGENT_CHARS;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_integrations::signing::MAX_TTL;
use omnicrm_integrations::{ObjectKey, SignedUrl, UrlSigner};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::files::{NewPhotoAccessRow, PhotoAccessRepository};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who asked, as recorded in the access audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessMeta {
    /// Client IP (the socket peer until trusted proxies are configurable).
    pub ip: Option<String>,
    /// User agent, at most [`MAX_USER_AGENT_CHARS`] characters.
    pub user_agent: Option<String>,
}

impl AccessMeta {
    /// Normalises raw request data: empty values become `None`, the user agent is cut to
    /// [`MAX_USER_AGENT_CHARS`] characters and loses NUL characters (Postgres `text`
    /// cannot hold them).
    pub fn new(ip: Option<String>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| {
                ua.chars()
                    .filter(|c| *c != '\0')
                    .take(MAX_USER_AGENT_CHARS)
                    .collect::<String>()
            })
            .filter(|ua| !ua.trim().is_empty());
        Self {
            ip: ip.filter(|ip| !ip.is_empty()),
            user_agent,
        }
    }
}

/// Signs client photos for display. Every photo URL handed out is an access: each gets a
/// `photo_access_audit` row, all of one request written by a single multi-row `INSERT`
/// inside the caller's tenant transaction (so the audit commits or rolls back with the
/// response that exposed the photos, unlike the original's best-effort per-photo inserts).
#[derive(Debug, Clone)]
pub struct PhotoUrls {
    signer: UrlSigner,
}

impl PhotoUrls {
    /// Signs with `signer`.
    pub fn new(signer: UrlSigner) -> Self {
        Self { signer }
    }

    /// Signed URLs (one hour) for `photos` (`(contact, contacts.photo_url)` pairs) and their
    /// audit rows. Keys that are not this server's storage keys of `user` (legacy paths,
    /// external URLs, another owner's key) get no URL and no audit row. Run it inside
    /// `Db::tenant(user, ..)`.
    pub async fn sign_for_view(
        &self,
        conn: &mut AsyncPgConnection,
        user: UserId,
        photos: &[(ContactId, String)],
        meta: &AccessMeta,
    ) -> Result<HashMap<ContactId, SignedUrl>, AppError> {
        let signed = self.sign_each(conn, user, photos, meta).await?;
        Ok(photos
            .iter()
            .zip(signed)
            .filter_map(|((contact, _), url)| url.map(|url| (*contact, url)))
            .collect())
    }

    /// Like [`Self::sign_for_view`], answering in the order of `photos` (one contact may
    /// have several photo files in a file list).
    pub async fn sign_each(
        &self,
        conn: &mut AsyncPgConnection,
        user: UserId,
        photos: &[(ContactId, String)],
        meta: &AccessMeta,
    ) -> Result<Vec<Option<SignedUrl>>, AppError> {
        let now = OffsetDateTime::now_utc();
        let mut urls = Vec::with_capacity(photos.len());
        let mut audit = Vec::with_capacity(photos.len());
        for (contact, path) in photos {
            let Some(key) = ObjectKey::parse(path).ok().filter(|k| k.owner() == user) else {
                urls.push(None);
                continue;
            };
            urls.push(Some(self.signer.sign(&key, now, MAX_TTL)));
            audit.push(NewPhotoAccessRow {
                user_id: user.into_uuid(),
                id: Uuid::now_v7(),
                contact_id: contact.into_uuid(),
                photo_path: key.as_str().to_owned(),
                ip_address: meta.ip.clone(),
                user_agent: meta.user_agent.clone(),
            });
        }
        PhotoAccessRepository::insert_many(conn, &audit).await?;
        Ok(urls)
    }

    /// A signed URL (one hour) for a file that is not a photo: no audit.
    pub fn sign_unaudited(&self, key: &ObjectKey) -> SignedUrl {
        self.signer.sign(key, OffsetDateTime::now_utc(), MAX_TTL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_meta_truncates_and_drops_empty_values() {
        let long = "é".repeat(MAX_USER_AGENT_CHARS + 10);
        let meta = AccessMeta::new(Some("127.0.0.1".into()), Some(&long));
        assert_eq!(
            meta.user_agent.as_deref().map(|ua| ua.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
        let empty = AccessMeta::new(Some(String::new()), Some("  "));
        assert_eq!(empty, AccessMeta::default());
        let nul = AccessMeta::new(None, Some("a\0b"));
        assert_eq!(nul.user_agent.as_deref(), Some("ab"));
    }
}
