//! One AMQP connection with one channel in confirm mode.

use std::time::Duration;

use lapin::{
    Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{ConfirmSelectOptions, ExchangeDeclareOptions},
    types::{FieldTable, ShortString},
    uri::AMQPUri,
};
use tracing::debug;

/// A live connection and its publishing channel. Owned by the supervisor;
/// publishers hold clones of the channel only.
#[derive(Debug)]
pub(crate) struct Link {
    connection: Connection,
    channel: Channel,
}

/// Connects under `name`, the name the broker's management UI shows.
///
/// Uses lapin's default backoff (no TCP retry) and no `auto_recover`: the
/// caller owns retrying and bounds this with `connect_timeout`.
pub(crate) async fn connect(uri: AMQPUri, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let connection = Connection::connect_uri(uri, properties).await?;
    debug!(
        connection = name,
        heartbeat_secs = connection.configuration().heartbeat(),
        "broker connection tuned"
    );
    Ok(connection)
}

/// Declares a durable topic exchange; idempotent, so it runs after every
/// connect and a fresh or restored broker needs no manual setup.
pub(crate) async fn declare_topic_exchange(
    channel: &Channel,
    exchange: ShortString,
) -> Result<(), lapin::Error> {
    let options = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    let kind = ExchangeKind::Topic;
    channel
        .exchange_declare(exchange, kind, options, FieldTable::default())
        .await
}

impl Link {
    /// Connects, opens the channel, enables publisher confirms and declares
    /// the exchange. The supervisor retries and bounds this with `connect_timeout`.
    pub(crate) async fn open(uri: AMQPUri, exchange: &ShortString) -> Result<Self, lapin::Error> {
        let connection = connect(uri, "{{project-name}}-relay").await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        declare_topic_exchange(&channel, exchange.clone()).await?;
        Ok(Self {
            connection,
            channel,
        })
    }

    pub(crate) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// Why the link is unusable, if it is. Reads lapin's status flags (a lock,
    /// no I/O), so the supervisor can poll it cheaply.
    pub(crate) fn failure(&self) -> Option<&'static str> {
        if !self.connection.status().connected() {
            Some(
                "the broker connection closed (I/O error or missed heartbeats; lapin logs the cause)",
            )
        } else if !self.channel.status().connected() {
            Some("the broker closed the publishing channel")
        } else {
            None
        }
    }

    /// Whether the broker has blocked publishing (resource alarm).
    pub(crate) fn blocked(&self) -> bool {
        self.connection.status().blocked()
    }

    /// Best-effort clean close (a channel-level failure leaves the connection
    /// open). Bounded: a dead peer must not hold up the reconnect.
    pub(crate) async fn close(self, timeout: Duration) {
        if self.connection.status().connected() {
            let closing = self
                .connection
                .close(200, "publisher shutting down or reconnecting".into());
            if let Ok(Err(error)) = tokio::time::timeout(timeout, closing).await {
                debug!(%error, "closing the broker connection failed");
            }
        }
    }
}
