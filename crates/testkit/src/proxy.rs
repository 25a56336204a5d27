//! A TCP proxy the test controls, in front of Postgres, to simulate outages without
//! touching the shared cluster (as crates.io's chaos proxy does).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Pass everything through.
    Forward,
    /// Close every connection at once and refuse new ones (connection reset).
    Reset,
    /// Accept but never forward a byte (packets dropped).
    Blackhole,
    /// Existing connections go silent for good while new ones pass through: a firewall or
    /// NAT that forgot idle flows, which neither side notices until it sends.
    StrandExisting,
}

/// A running proxy.
#[derive(Debug, Clone)]
pub struct ChaosProxy {
    /// The address to connect to instead of Postgres.
    pub addr: SocketAddr,
    mode: Arc<watch::Sender<ProxyMode>>,
}

impl ChaosProxy {
    /// Starts forwarding to `target` (host:port).
    pub async fn start(target: String) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(ProxyMode::Forward);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut rx = rx.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let mode = *rx.borrow_and_update();
                    match mode {
                        ProxyMode::Reset => drop(client),
                        ProxyMode::Blackhole => hold_silently(client, rx).await,
                        ProxyMode::Forward | ProxyMode::StrandExisting => {
                            forward(client, &target, rx).await;
                        }
                    }
                });
            }
        });
        Ok(Self {
            addr,
            mode: Arc::new(tx),
        })
    }

    /// Switches the mode; existing connections react at once.
    pub fn set(&self, mode: ProxyMode) {
        self.mode.send_replace(mode);
    }
}

async fn forward(mut client: TcpStream, target: &str, mut rx: watch::Receiver<ProxyMode>) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        mode = wait_for_outage(&mut rx) => {
            match mode {
                // Keep both sockets open and silent: the peer sees no reset, only silence.
                ProxyMode::Blackhole => {
                    drop(server);
                    hold_silently(client, rx).await;
                }
                ProxyMode::StrandExisting => {
                    drop(server);
                    std::future::pending::<()>().await;
                    drop(client);
                }
                ProxyMode::Forward | ProxyMode::Reset => {}
            }
        }
    }
}

async fn wait_for_outage(rx: &mut watch::Receiver<ProxyMode>) -> ProxyMode {
    loop {
        if rx.changed().await.is_err() {
            return ProxyMode::Forward;
        }
        let mode = *rx.borrow();
        if mode != ProxyMode::Forward {
            return mode;
        }
    }
}

async fn hold_silently(client: TcpStream, mut rx: watch::Receiver<ProxyMode>) {
    // Hold the socket until the proxy leaves blackhole mode, then close it.
    while *rx.borrow() == ProxyMode::Blackhole {
        if rx.changed().await.is_err() {
            break;
        }
    }
    drop(client);
}
