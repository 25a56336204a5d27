use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use uuid::Uuid;

use super::{BlobStore, ObjectKey, ObjectReader, StorageError};

/// Files under a root directory (`$OMNICRM_DATA_DIR/files` by default), one directory per
/// owner. Writes go to a temporary file in the same directory and are renamed into place.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &ObjectKey) -> PathBuf {
        // ObjectKey::parse guarantees exactly three plain segments.
        self.root.join(key.as_str())
    }

    fn owner_dir(&self, owner: UserId) -> PathBuf {
        self.root.join(owner.to_string())
    }
}

/// Stored objects are readable by the service's OS user only, whatever its umask.
const FILE_MODE: u32 = 0o600;
/// Their directories too: a listing would reveal which users have files.
const DIR_MODE: u32 = 0o700;

/// Creates `dir` (an area directory under `root`) and what is missing above it with
/// [`DIR_MODE`], and tightens the area and owner directories a store made before the
/// modes were set. `root` itself is left alone when it exists (a mounted volume may not
/// be ours to change).
async fn private_dirs(root: &Path, dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true).mode(DIR_MODE);
    builder.create(dir).await?;
    let mut current = Some(dir);
    while let Some(d) = current.filter(|d| *d != root && d.starts_with(root)) {
        let mode = tokio::fs::metadata(d).await?.permissions().mode() & 0o7777;
        if mode != DIR_MODE {
            tokio::fs::set_permissions(d, std::fs::Permissions::from_mode(DIR_MODE)).await?;
        }
        current = d.parent();
    }
    Ok(())
}

fn io_error(key: impl ToString) -> impl FnOnce(std::io::Error) -> StorageError {
    move |source| StorageError::Io {
        key: key.to_string(),
        source,
    }
}

impl BlobStore for LocalStore {
    fn put<'a>(
        &'a self,
        key: &'a ObjectKey,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        async move {
            let path = self.path_of(key);
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            private_dirs(&self.root, &dir)
                .await
                .map_err(io_error(key))?;
            let tmp = dir.join(format!(".tmp-{}", Uuid::now_v7()));
            let written = async {
                let mut file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(FILE_MODE)
                    .open(&tmp)
                    .await?;
                tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
                file.sync_all().await?;
                tokio::fs::rename(&tmp, &path).await
            }
            .await;
            if written.is_err() {
                let _ = tokio::fs::remove_file(&tmp).await;
            }
            written.map_err(io_error(key))
        }
        .boxed()
    }

    fn get<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StorageError>> {
        async move {
            match tokio::fs::read(self.path_of(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
                Err(err) => Err(io_error(key)(err)),
            }
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), StorageError>> {
        async move {
            match tokio::fs::remove_file(self.path_of(key)).await {
                Err(err) if err.kind() != ErrorKind::NotFound => Err(io_error(key)(err)),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    fn list_owner(&self, owner: UserId) -> BoxFuture<'_, Result<Vec<ObjectKey>, StorageError>> {
        async move {
            let dir = self.owner_dir(owner);
            let mut keys = Vec::new();
            let mut areas = match tokio::fs::read_dir(&dir).await {
                Ok(areas) => areas,
                Err(err) if err.kind() == ErrorKind::NotFound => return Ok(keys),
                Err(err) => return Err(io_error(owner)(err)),
            };
            while let Some(area) = areas.next_entry().await.map_err(io_error(owner))? {
                if !area.file_type().await.map_err(io_error(owner))?.is_dir() {
                    continue;
                }
                let area_name = area.file_name().to_string_lossy().into_owned();
                let mut files = tokio::fs::read_dir(area.path())
                    .await
                    .map_err(io_error(owner))?;
                while let Some(file) = files.next_entry().await.map_err(io_error(owner))? {
                    let name = file.file_name().to_string_lossy().into_owned();
                    // Temporary files of interrupted writes do not parse and are skipped.
                    if let Ok(key) = ObjectKey::parse(&format!("{owner}/{area_name}/{name}")) {
                        keys.push(key);
                    }
                }
            }
            keys.sort();
            Ok(keys)
        }
        .boxed()
    }

    fn put_file<'a>(
        &'a self,
        key: &'a ObjectKey,
        mut file: tokio::fs::File,
    ) -> BoxFuture<'a, Result<u64, StorageError>> {
        async move {
            let path = self.path_of(key);
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(io_error(key))?;
            let tmp = dir.join(format!(".tmp-{}", Uuid::now_v7()));
            let written = async {
                let mut out = tokio::fs::File::create(&tmp).await?;
                let bytes = tokio::io::copy(&mut file, &mut out).await?;
                out.sync_all().await?;
                tokio::fs::rename(&tmp, &path).await?;
                Ok::<_, std::io::Error>(bytes)
            }
            .await;
            if written.is_err() {
                let _ = tokio::fs::remove_file(&tmp).await;
            }
            written.map_err(io_error(key))
        }
        .boxed()
    }

    fn open<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<Option<(ObjectReader, u64)>, StorageError>> {
        async move {
            let file = match tokio::fs::File::open(self.path_of(key)).await {
                Ok(file) => file,
                Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(io_error(key)(err)),
            };
            let size = file.metadata().await.map_err(io_error(key))?.len();
            let reader: ObjectReader = Box::pin(file);
            Ok(Some((reader, size)))
        }
        .boxed()
    }

    fn owners(&self) -> BoxFuture<'_, Result<Vec<UserId>, StorageError>> {
        async move {
            let root = self.root.display().to_string();
            let mut owners = Vec::new();
            let mut dirs = match tokio::fs::read_dir(&self.root).await {
                Ok(dirs) => dirs,
                Err(err) if err.kind() == ErrorKind::NotFound => return Ok(owners),
                Err(err) => return Err(io_error(root)(err)),
            };
            while let Some(dir) = dirs.next_entry().await.map_err(io_error(&root))? {
                let name = dir.file_name().to_string_lossy().into_owned();
                // Only canonical owner directories; anything else is not ours to sweep.
                if let Some(owner) = Uuid::parse_str(&name)
                    .ok()
                    .filter(|u| u.to_string() == name)
                {
                    owners.push(UserId::from(owner));
                }
            }
            owners.sort();
            Ok(owners)
        }
        .boxed()
    }

    fn delete_owner(&self, owner: UserId) -> BoxFuture<'_, Result<u64, StorageError>> {
        async move {
            let count = self.list_owner(owner).await?.len() as u64;
            match tokio::fs::remove_dir_all(self.owner_dir(owner)).await {
                Err(err) if err.kind() != ErrorKind::NotFound => Err(io_error(owner)(err)),
                _ => Ok(count),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_and_are_erased_per_owner() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let (alice, bob) = (UserId::generate(), UserId::generate());
        let a1 = ObjectKey::generate(alice, "photos", "jpg").unwrap();
        let a2 = ObjectKey::generate(alice, "files", "pdf").unwrap();
        let b1 = ObjectKey::generate(bob, "photos", "png").unwrap();
        store.put(&a1, b"one".to_vec()).await.unwrap();
        store.put(&a2, b"two".to_vec()).await.unwrap();
        store.put(&b1, b"three".to_vec()).await.unwrap();
        store.put(&a1, b"one again".to_vec()).await.unwrap();

        assert_eq!(store.get(&a1).await.unwrap().unwrap(), b"one again");
        let mut expected = vec![a1.clone(), a2.clone()];
        expected.sort();
        assert_eq!(store.list_owner(alice).await.unwrap(), expected);

        assert_eq!(store.delete_owner(alice).await.unwrap(), 2);
        assert_eq!(store.get(&a1).await.unwrap(), None);
        assert!(store.list_owner(alice).await.unwrap().is_empty());
        assert_eq!(store.delete_owner(alice).await.unwrap(), 0);
        assert_eq!(store.get(&b1).await.unwrap().unwrap(), b"three");

        store.delete(&b1).await.unwrap();
        store.delete(&b1).await.unwrap();
        assert_eq!(store.get(&b1).await.unwrap(), None);
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    /// 0600 objects in 0700 directories whatever the umask, and directories an older
    /// store left readable are tightened on the next write into them.
    #[tokio::test]
    async fn objects_and_their_directories_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("files");
        let store = LocalStore::new(&root);
        let alice = UserId::generate();
        let photo = ObjectKey::generate(alice, "photos", "jpg").unwrap();
        store.put(&photo, b"one".to_vec()).await.unwrap();
        let path = root.join(photo.as_str());
        assert_eq!(mode(&path), 0o600);
        let area = path.parent().unwrap();
        assert_eq!(mode(area), 0o700);
        assert_eq!(mode(area.parent().unwrap()), 0o700);
        assert_eq!(mode(&root), 0o700);

        let bob = UserId::generate();
        let legacy_area = root.join(bob.to_string()).join("files");
        std::fs::create_dir_all(&legacy_area).unwrap();
        for d in [&legacy_area, legacy_area.parent().unwrap()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let doc = ObjectKey::generate(bob, "files", "pdf").unwrap();
        store.put(&doc, b"two".to_vec()).await.unwrap();
        assert_eq!(mode(&root.join(doc.as_str())), 0o600);
        assert_eq!(mode(&legacy_area), 0o700);
        assert_eq!(mode(legacy_area.parent().unwrap()), 0o700);
    }
}
