//! An in-process TCP proxy in front of PostgreSQL that can cut every
//! connection (a server restart as the client sees it), refuse new ones
//! (the server down), stall (a hung network), or cut a connection right
//! after it carries a `COMMIT` (the reply never comes).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does to a connection that sends `COMMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCommit {
    /// Pass it on, and its reply back.
    Relay,
    /// Pass it on to the server, then cut the link before the reply.
    ForwardThenCut,
    /// Cut the link without passing it on.
    Cut,
}

struct Shared {
    upstream: SocketAddr,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    /// While true nothing is relayed either way.
    stall: watch::Sender<bool>,
    refuse: AtomicBool,
    on_commit: Mutex<OnCommit>,
}

/// A running proxy; it stops when dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut_all();
    }
}

impl Proxy {
    /// Starts a proxy to `upstream` on a free local port.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            upstream,
            cut: watch::channel(0).0,
            stall: watch::channel(false).0,
            refuse: AtomicBool::new(false),
            on_commit: Mutex::new(OnCommit::Relay),
        });
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accepting.refuse.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                tokio::spawn(relay(client, accepting.clone()));
            }
        });
        Proxy {
            port,
            shared,
            accept,
        }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let user = authority.rsplit_once('@').map(|(u, _)| format!("{u}@"));
        format!(
            "{scheme}://{}127.0.0.1:{}{path}",
            user.unwrap_or_default(),
            self.port
        )
    }

    /// Cuts every open connection, as a server restart would.
    pub fn cut_all(&self) {
        self.shared.cut.send_modify(|n| *n += 1);
    }

    /// Refuses (or accepts again) new connections: the server is down.
    pub fn refuse(&self, refuse: bool) {
        self.shared.refuse.store(refuse, Ordering::SeqCst);
    }

    /// Stops (or resumes) relaying anything on any connection.
    pub fn stall(&self, stall: bool) {
        self.shared.stall.send_replace(stall);
    }

    /// Sets what happens to the next `COMMIT`s.
    pub fn on_commit(&self, mode: OnCommit) {
        *self.shared.on_commit.lock().expect("lock") = mode;
    }
}

/// The simple-protocol `COMMIT` as it crosses the wire: the text and its NUL.
const COMMIT: &[u8] = b"COMMIT\0";

fn carries_commit(chunk: &[u8]) -> bool {
    chunk.windows(COMMIT.len()).any(|w| w == COMMIT)
}

async fn relay(client: TcpStream, shared: Arc<Shared>) {
    let mut cut = shared.cut.subscribe();
    let mut stall = shared.stall.subscribe();
    let Ok(server) = TcpStream::connect(shared.upstream).await else {
        return;
    };
    let (mut client_in, mut client_out) = client.into_split();
    let (mut server_in, mut server_out) = server.into_split();
    let mut up = vec![0u8; 64 * 1024];
    let mut down = vec![0u8; 64 * 1024];
    loop {
        let stalled = *stall.borrow_and_update();
        tokio::select! {
            _ = cut.changed() => return,
            changed = stall.changed() => if changed.is_err() { return },
            read = client_in.read(&mut up), if !stalled => {
                let n = match read { Ok(0) | Err(_) => return, Ok(n) => n };
                let chunk = &up[..n];
                if carries_commit(chunk) {
                    let mode = *shared.on_commit.lock().expect("lock");
                    match mode {
                        OnCommit::Relay => {}
                        OnCommit::ForwardThenCut => {
                            let _ = server_out.write_all(chunk).await;
                            let _ = server_out.flush().await;
                            return;
                        }
                        OnCommit::Cut => return,
                    }
                }
                if server_out.write_all(chunk).await.is_err() {
                    return;
                }
            }
            read = server_in.read(&mut down), if !stalled => {
                let n = match read { Ok(0) | Err(_) => return, Ok(n) => n };
                if client_out.write_all(&down[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The address of the PostgreSQL server behind the test URL.
pub fn upstream_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").expect("a URL").1;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
        .parse()
        .expect("an IP address and port")
}
