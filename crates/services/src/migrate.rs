//! One entry point for the whole schema: the CRM's migrations, then the job engine's.

/// Applies every pending migration (CRM first, then jobs) on an owner-capable URL and
/// returns the versions applied.
pub async fn migrate_all(owner_url: &str) -> Result<Vec<String>, String> {
    let mut applied = omnicrm_repo::migrations::run_pending(owner_url)
        .await
        .map_err(|e| e.to_string())?;
    applied.extend(omnicrm_jobs::migrations::run_pending(owner_url).await?);
    Ok(applied)
}

/// Every embedded migration version (CRM and jobs).
pub fn embedded_versions() -> Vec<String> {
    let mut all = omnicrm_repo::migrations::embedded_versions();
    all.extend(omnicrm_jobs::migrations::embedded_versions());
    all
}

/// How many embedded migrations (CRM and jobs) the database at `url` lacks; works with the
/// app role, so a deployment can tell a current schema without owner credentials.
pub async fn pending_count(url: &str) -> Result<usize, String> {
    let mut conn = omnicrm_repo::connect(
        url,
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(15),
    )
    .await
    .map_err(|e| e.to_string())?;
    omnicrm_repo::migrations::pending_on(&mut conn, &embedded_versions())
        .await
        .map_err(|e| e.to_string())
}
