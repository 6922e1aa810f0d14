//! A TCP proxy between a test and a server. [`TcpProxy::cut`] is an outage as
//! a client sees it (open connections end, new ones are closed at once) and
//! [`TcpProxy::restore`] ends it, without touching the server, which other
//! tests share.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Forwards connections to one server until dropped.
#[derive(Debug)]
pub struct TcpProxy {
    address: SocketAddr,
    open: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl TcpProxy {
    /// A proxy to the server of `url` (`scheme://[user@]host:port/...`) on a
    /// free loopback port.
    pub async fn to_server_of(url: &str) -> Self {
        let (_, authority, _) = split_url(url);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let upstream = host_port.to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port is free");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (open, watcher) = watch::channel(true);
        let accept = tokio::spawn(accept(listener, upstream, watcher));
        Self {
            address,
            open,
            accept,
        }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, authority, rest) = split_url(url);
        let credentials = authority.rsplit_once('@').map_or("", |(user, _)| user);
        let at = if credentials.is_empty() { "" } else { "@" };
        format!("{scheme}://{credentials}{at}{}{rest}", self.address)
    }

    /// Ends every proxied connection and closes new ones at once, until
    /// [`restore`](Self::restore).
    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    pub fn restore(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for TcpProxy {
    /// Forwarding tasks end when `open` is dropped with this value.
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// `("postgres", "user@host:5432", "/db?x=y")` from a URL.
fn split_url(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = url
        .split_once("://")
        .unwrap_or_else(|| panic!("not a server URL: {url}"));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    (scheme, authority, rest)
}

async fn accept(listener: TcpListener, upstream: String, open: watch::Receiver<bool>) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(_) => {
                // Out of file descriptors, say: try again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if *open.borrow() {
            tokio::spawn(forward(client, upstream.clone(), open.clone()));
        }
        // Cut: the client is dropped here, so its connection closes at once.
    }
}

async fn forward(mut client: TcpStream, upstream: String, mut open: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        // Cut, or the proxy dropped: both connections close on return.
        _ = open.wait_for(|open| !open) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urls_keep_credentials_database_and_options() {
        let proxy = TcpProxy::to_server_of("postgres://u:p@db.example:5432/x").await;
        let port = proxy.address.port();
        let url = "mongodb://user@10.0.0.1:27017/name?directConnection=true";
        let expected = format!("mongodb://user@127.0.0.1:{port}/name?directConnection=true");
        assert_eq!(proxy.url_for(url), expected);
        let bare = format!("mysql://127.0.0.1:{port}");
        assert_eq!(proxy.url_for("mysql://localhost:3306"), bare);
    }

    #[tokio::test]
    async fn a_cut_ends_connections_until_restored() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        // An echo server stands in for the database.
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_address = server.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = server.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        let proxy = TcpProxy::to_server_of(&format!("tcp://{server_address}")).await;
        let echo = |mut stream: TcpStream| async move {
            stream.write_all(b"ping").await?;
            let mut answer = [0; 4];
            stream.read_exact(&mut answer).await?;
            std::io::Result::Ok((answer, stream))
        };
        let stream = TcpStream::connect(proxy.address).await.unwrap();
        let (answer, mut open_stream) = echo(stream).await.unwrap();
        assert_eq!(&answer, b"ping");

        proxy.cut();
        let mut rest = Vec::new();
        let read = open_stream.read_to_end(&mut rest).await;
        assert!(read.is_err() || rest.is_empty(), "an open connection ends");
        let stream = TcpStream::connect(proxy.address).await.unwrap();
        assert!(echo(stream).await.is_err(), "a new connection is closed");

        proxy.restore();
        let stream = TcpStream::connect(proxy.address).await.unwrap();
        let (answer, _) = echo(stream).await.unwrap();
        assert_eq!(&answer, b"ping");
    }
}
