//! Per-test databases.

use anyhow::{Context, bail};
use tokio_postgres::{Client, NoTls};

/// Name of the app role the test script creates (password = name; the test cluster
/// trusts local connections anyway).
pub const APP_ROLE: &str = "omnicrm_app";

/// A database of this test's own, cloned from the migrated template.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    admin_url: String,
    /// Owner (superuser) URL of this database.
    pub owner_url: String,
    /// App-role URL of this database (RLS applies).
    pub app_url: String,
    host: String,
    port: u16,
}

impl TestDb {
    /// Clones the template into a fresh database.
    pub async fn new() -> anyhow::Result<Self> {
        Self::create(|name, template| {
            format!("CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        })
        .await
    }

    /// Creates an EMPTY database (from `template0`, nothing migrated) on the cluster of
    /// `OMNICRM_TEST_DATABASE_URL`, for tests of the migrations themselves. Cluster-wide
    /// objects (the roles `omnicrm_app`, `omnicrm_app_group`) exist already. Dropped like
    /// [`TestDb::new`]'s databases.
    pub async fn empty() -> anyhow::Result<Self> {
        Self::create(|name, _| format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"))
            .await
    }

    async fn create(statement: impl Fn(&str, &str) -> String) -> anyhow::Result<Self> {
        let template_url = std::env::var("OMNICRM_TEST_DATABASE_URL").context(
            "OMNICRM_TEST_DATABASE_URL is not set: run the tests with `scripts/test` (it starts a throwaway \
             PostgreSQL cluster, migrates a template database and exports this variable)",
        )?;
        let config: tokio_postgres::Config = template_url
            .parse()
            .context("OMNICRM_TEST_DATABASE_URL is not a Postgres URL")?;
        let template = config
            .get_dbname()
            .context("OMNICRM_TEST_DATABASE_URL names no database")?
            .to_owned();
        let user = config.get_user().unwrap_or("postgres").to_owned();
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => bail!("OMNICRM_TEST_DATABASE_URL must use a TCP host"),
        };
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let admin_url = format!("postgres://{user}@{host}:{port}/postgres");
        let admin = connect(&admin_url).await?;
        admin
            .batch_execute(&statement(&name, &template))
            .await
            .with_context(|| format!("cannot create the test database {name}"))?;
        Ok(Self {
            owner_url: format!("postgres://{user}@{host}:{port}/{name}"),
            app_url: format!("postgres://{APP_ROLE}:{APP_ROLE}@{host}:{port}/{name}"),
            admin_url,
            name,
            host,
            port,
        })
    }

    /// This database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The app-role URL pointed at another address (a proxy in front of Postgres).
    pub fn app_url_via(&self, addr: std::net::SocketAddr) -> String {
        self.app_url.replace(
            &format!("@{}:{}/", self.host, self.port),
            &format!("@{addr}/"),
        )
    }

    /// Where Postgres listens.
    pub fn server_addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// A connection as the owner (bypasses RLS: superuser).
    pub async fn owner(&self) -> anyhow::Result<Client> {
        connect(&self.owner_url).await
    }

    /// A connection as the app role (RLS applies).
    pub async fn app(&self) -> anyhow::Result<Client> {
        connect(&self.app_url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a short-lived thread and runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = connect(&admin_url).await {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Opens a plain tokio-postgres connection.
pub async fn connect(url: &str) -> anyhow::Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .with_context(|| format!("cannot connect to {url}"))?;
    tokio::spawn(connection);
    Ok(client)
}
