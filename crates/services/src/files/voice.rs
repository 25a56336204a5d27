//! Voice captures: the recording is an object of the `inbox` area, recorded in the inbox
//! item's `details.voice` (ADR 0028), the client's transcription the item's text. The
//! object is written first and recorded in one tenant transaction (see the module's
//! consistency rules); deleting the item deletes the object after the commit.

use futures_util::FutureExt;
use omnicrm_domain::inbox::{InboxItemView, InboxVoice};
use omnicrm_domain::{InboxItemId, UserId};
use omnicrm_integrations::{ObjectKey, audio_content_type, sniff_audio};
use omnicrm_problem::{AppError, ErrorCode};
use omnicrm_repo::inbox::InboxRepository;
use uuid::Uuid;

use super::{FilesService, run_to_completion};
use crate::tasks::{insert_item, new_row};

/// Storage area (second key segment) of voice capture recordings.
pub const INBOX_AREA: &str = "inbox";

/// A stored recording ready to serve to its owner.
#[derive(Debug, Clone)]
pub struct VoiceAudio {
    /// The recording's bytes, as uploaded.
    pub bytes: Vec<u8>,
    /// Its media type (from its bytes at upload).
    pub content_type: &'static str,
    /// Its key's file name (`<uuid>.<ext>`).
    pub file_name: String,
}

/// A voice capture as the route read it: the recording and the checked text fields.
#[derive(Debug, Clone)]
pub struct VoiceCapture {
    /// The recording's bytes.
    pub audio: Vec<u8>,
    /// The client's transcription (already checked: 1..=10 000 characters, not blank).
    pub transcription: String,
    /// Length in seconds as the client reported it (already checked).
    pub duration_seconds: Option<f64>,
}

impl FilesService {
    /// Stores the recording (415 unless its bytes are WebM, Ogg, MP3, M4A or WAV; 400 when
    /// its size cannot hold the stated duration; 413 `quota_exceeded` past the storage
    /// quota) and captures the transcription as an
    /// inbox item whose `voice` names it.
    pub async fn capture_voice(
        &self,
        user: UserId,
        capture: VoiceCapture,
    ) -> Result<InboxItemView, AppError> {
        let kind = sniff_audio(&capture.audio).ok_or_else(|| {
            AppError::new(ErrorCode::UnsupportedMediaType)
                .with_detail("the recording must be WebM, Ogg, MP3, M4A or WAV audio")
        })?;
        if let Some(seconds) = capture.duration_seconds
            && !omnicrm_domain::inbox::voice_duration_fits(capture.audio.len(), seconds)
        {
            return Err(AppError::invalid_field(
                "/durationSeconds",
                "consistency",
                "the recording's size cannot hold that duration (2 kbit/s to 2 MiB/s)",
            ));
        }
        self.check_quota(user, capture.audio.len() as u64).await?;
        let key = ObjectKey::generate(user, INBOX_AREA, kind.ext)?;
        let file_id = key_id(&key)?;
        let voice = InboxVoice {
            file_id,
            object_key: key.as_str().to_owned(),
            content_type: kind.mime.to_owned(),
            size_bytes: capture.audio.len() as u64,
            duration_seconds: capture.duration_seconds,
        };
        let row = new_row(
            user,
            &capture.transcription,
            Some("voice".to_owned()),
            None,
            Some(voice),
        )?;
        let this = self.clone();
        run_to_completion(async move {
            this.put_then_commit(user, &key, capture.audio, move |conn| {
                async move { insert_item(conn, user, &row, false).await }.boxed()
            })
            .await
        })
        .await
    }

    /// The recording of one of the user's voice captures; 404 for another user's item,
    /// a typed capture, or a recording gone from storage.
    pub async fn voice_audio(
        &self,
        user: UserId,
        item: InboxItemId,
    ) -> Result<VoiceAudio, AppError> {
        let voice = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let row = InboxRepository::find(conn, user, item).await?;
                    let (_, details) = row.decode()?;
                    details.voice.ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await?;
        let key = ObjectKey::parse(&voice.object_key)
            .ok()
            .filter(|k| k.owner() == user)
            .ok_or_else(AppError::not_found)?;
        let content_type = audio_content_type(key.extension()).ok_or_else(AppError::not_found)?;
        let bytes = self.store.get(&key).await?.ok_or_else(|| {
            tracing::warn!(key = %key, "a voice capture's recording is missing from storage");
            AppError::not_found()
        })?;
        let file_name = key
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(VoiceAudio {
            bytes,
            content_type,
            file_name,
        })
    }

    /// Deletes the objects of rows the caller just deleted (voice recordings of deleted
    /// inbox items). A failure is logged and left to the daily sweep.
    pub async fn remove_unreferenced(&self, user: UserId, paths: Vec<String>) {
        if paths.is_empty() {
            return;
        }
        let this = self.clone();
        // In its own task: a client hanging up after the commit does not cancel it.
        let _ = run_to_completion(async move {
            for path in &paths {
                this.remove_path(user, path).await;
            }
            Ok(())
        })
        .await;
    }
}

/// The id in a generated key's name.
fn key_id(key: &ObjectKey) -> Result<Uuid, AppError> {
    key.as_str()
        .rsplit('/')
        .next()
        .and_then(|name| name.split_once('.'))
        .and_then(|(stem, _)| Uuid::parse_str(stem).ok())
        .ok_or_else(|| AppError::internal("a generated key has no id"))
}
