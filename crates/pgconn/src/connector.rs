//! tokio-postgres's `MakeTlsConnect` over rustls (ring), configured for one `sslmode`.

use std::io;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, InvalidDnsNameError, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use crate::TargetError;
use crate::options::{RootCert, SslMode, TlsOptions};
use crate::verifiers::{AnyCertificate, ChainOnly};

/// Makes one rustls handshake per connection, verifying what the `sslmode` promises.
#[derive(Clone)]
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    check_name: bool,
}

impl std::fmt::Debug for RustlsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustlsConnect")
            .field("check_name", &self.check_name)
            .finish_non_exhaustive()
    }
}

impl RustlsConnect {
    /// The connector for `options`; reads `sslrootcert` (blocking file I/O: call at
    /// startup or on a blocking thread).
    pub fn new(options: &TlsOptions) -> Result<Self, TargetError> {
        // Deprecated only for lacking post-quantum key exchange, which rustls offers on
        // aws-lc-rs alone (a C/cmake build); ring stays the one crypto library in the tree.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let any = AnyCertificate {
            provider: Arc::clone(&provider),
        };
        let roots = options.root_cert.as_ref().map(load_roots).transpose()?;
        let verifier: Arc<dyn ServerCertVerifier> = match (options.mode, roots) {
            (_, None) => Arc::new(any),
            (SslMode::VerifyFull, Some(roots)) => {
                WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
                    .build()
                    .map_err(|e| TargetError::RootCert(e.to_string()))?
            }
            // libpq: with a root certificate, require (and prefer) verify the chain.
            (_, Some(roots)) => Arc::new(ChainOnly { roots, any }),
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TargetError::RootCert(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            check_name: options.mode == SslMode::VerifyFull,
        })
    }
}

fn load_roots(root_cert: &RootCert) -> Result<Arc<RootCertStore>, TargetError> {
    let path = match root_cert {
        RootCert::System => {
            return Ok(Arc::new(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            }));
        }
        RootCert::File(path) => path,
    };
    let unreadable =
        |reason: String| TargetError::RootCert(format!("sslrootcert {path}: {reason}"));
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(e.to_string()))? {
        let cert = cert.map_err(|e| unreadable(e.to_string()))?;
        store
            .add(cert)
            .map_err(|e| unreadable(format!("not a usable CA certificate: {e}")))?;
    }
    if store.is_empty() {
        return Err(unreadable("no PEM certificate in the file".to_owned()));
    }
    Ok(Arc::new(store))
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsHandshake;
    type Error = io::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsHandshake, io::Error> {
        // Without name checks a host that is no DNS name (or an empty one: Unix sockets,
        // which never get TLS) still needs some ServerName; an IP address sends no SNI.
        let name = match ServerName::try_from(host.to_owned()) {
            Err(_) if !self.check_name => Ok(ServerName::IpAddress(Ipv4Addr::UNSPECIFIED.into())),
            name => name,
        };
        Ok(RustlsHandshake {
            connector: tokio_rustls::TlsConnector::from(Arc::clone(&self.config)),
            name,
        })
    }
}

/// One pending handshake.
pub struct RustlsHandshake {
    connector: tokio_rustls::TlsConnector,
    name: Result<ServerName<'static>, InvalidDnsNameError>,
}

impl std::fmt::Debug for RustlsHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustlsHandshake")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<S> TlsConnect<S> for RustlsHandshake
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = BoxFuture<'static, io::Result<RustlsStream<S>>>;

    fn connect(self, stream: S) -> Self::Future {
        async move {
            // Reported only now: a bad name matters only once TLS is really attempted.
            let name = self.name.map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "sslmode=verify-full needs a host that is a DNS name or an IP address",
                )
            })?;
            self.connector
                .connect(name, stream)
                .await
                .map(|s| RustlsStream(Box::new(s)))
        }
        .boxed()
    }
}

/// An established TLS session.
#[derive(Debug)]
pub struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S> TlsStream for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// No `tls-server-end-point` binding: SCRAM runs without channel binding (the default
    /// `channel_binding=prefer` accepts that), as with any client that does not offer it.
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}
