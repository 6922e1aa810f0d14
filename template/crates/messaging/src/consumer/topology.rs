//! The exchanges and queues of one consumer, declared after every connect.
//!
//! ```text
//! source (topic) --bindings--> <queue> --copy + expiration--> <queue>.retry
//!                                 ^                                |
//!                                 +------ expired (default exch.) -+
//! <queue> --copy + reason--> <queue>.dlx (fanout) --> <queue>.dead
//! ```
//!
//! A retry waits in `<queue>.retry`, which nobody consumes: the copy carries
//! its own `expiration`, after which the broker dead-letters it back to
//! `<queue>`. So a failing message waits without a consumer spinning on it
//! and without the delayed-message plugin. `<queue>.dead` keeps what can
//! never be handled for a person to look at.
//!
//! All durable, and declared idempotently, so a fresh or restored broker
//! needs no setup. Changing the arguments of an existing queue makes the
//! declare fail (PRECONDITION_FAILED): such a queue must be deleted first.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

use super::ConsumerSettings;
use crate::ConfigError;
use crate::connection::declare_topic_exchange;

/// The longest suffix added to the queue's name.
const RETRY_SUFFIX: &str = ".retry";

/// The names a settled delivery is sent to.
#[derive(Debug, Clone)]
pub(super) struct Names {
    pub(super) queue: ShortString,
    pub(super) retry: ShortString,
    pub(super) dlx: ShortString,
}

#[derive(Debug)]
pub(super) struct Topology {
    names: Names,
    dead: ShortString,
    source: ShortString,
    bindings: Vec<ShortString>,
}

impl Topology {
    /// Checks the names; the broker is not asked.
    pub(super) fn new(settings: &ConsumerSettings) -> Result<Self, ConfigError> {
        let queue = &settings.queue;
        let invalid_queue = |reason| ConfigError::InvalidSetting {
            field: "queue",
            reason,
        };
        if queue.is_empty() {
            return Err(invalid_queue("must not be empty"));
        }
        if queue.starts_with("amq.") {
            return Err(invalid_queue("the `amq.` prefix is reserved by the broker"));
        }
        let named = |suffix: &str| ShortString::try_new(format!("{queue}{suffix}"));
        let too_long = |_| invalid_queue("must be at most 249 bytes (255 with `.retry`)");
        let names = Names {
            queue: named("").map_err(too_long)?,
            retry: named(RETRY_SUFFIX).map_err(too_long)?,
            dlx: named(".dlx").map_err(too_long)?,
        };
        let dead = named(".dead").map_err(too_long)?;

        let source = &settings.source_exchange;
        let invalid_source = |reason| ConfigError::InvalidExchange {
            name: source.clone(),
            reason,
        };
        if source.is_empty() {
            return Err(invalid_source(
                "must not be empty (the consumer binds to it)",
            ));
        }
        if source.starts_with("amq.") {
            return Err(invalid_source(
                "the `amq.` prefix is reserved by the broker",
            ));
        }
        let source = ShortString::try_new(source.as_str())
            .map_err(|_| invalid_source("must be at most 255 bytes"))?;

        let invalid_bindings = |reason| ConfigError::InvalidSetting {
            field: "bindings",
            reason,
        };
        if settings.bindings.is_empty() {
            return Err(invalid_bindings(
                "at least one routing-key pattern is needed",
            ));
        }
        let bindings = settings
            .bindings
            .iter()
            .map(|pattern| ShortString::try_new(pattern.as_str()))
            .collect::<Result<_, _>>()
            .map_err(|_| invalid_bindings("a pattern may be at most 255 bytes"))?;
        Ok(Self {
            names,
            dead,
            source,
            bindings,
        })
    }

    pub(super) fn queue(&self) -> &ShortString {
        &self.names.queue
    }

    pub(super) fn names(&self) -> Names {
        self.names.clone()
    }

    /// Declares everything (idempotent). The dead-letter side comes first, so
    /// the main queue never exists without somewhere for its rejects to go.
    pub(super) async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let Names { queue, retry, dlx } = &self.names;
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let durable_exchange = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let none = FieldTable::default;
        let bind = QueueBindOptions::default;

        let fanout = ExchangeKind::Fanout;
        channel
            .exchange_declare(dlx.clone(), fanout, durable_exchange, none())
            .await?;
        channel
            .queue_declare(self.dead.clone(), durable, none())
            .await?;
        let (dead, every) = (self.dead.clone(), ShortString::default());
        channel
            .queue_bind(dead, dlx.clone(), every, bind(), none())
            .await?;

        // Anything the broker dead-letters itself (a reject without requeue
        // by an operator's tool, say) ends up with the copies of `settle`.
        let mut arguments = FieldTable::default();
        arguments.insert("x-dead-letter-exchange".into(), text(dlx));
        channel
            .queue_declare(queue.clone(), durable, arguments)
            .await?;
        declare_topic_exchange(channel, self.source.clone()).await?;
        for pattern in &self.bindings {
            let (queue, source) = (queue.clone(), self.source.clone());
            channel
                .queue_bind(queue, source, pattern.clone(), bind(), none())
                .await?;
        }

        // Expired retries go back to `<queue>` through the default exchange.
        let mut arguments = FieldTable::default();
        let default_exchange = ShortString::default();
        arguments.insert("x-dead-letter-exchange".into(), text(&default_exchange));
        arguments.insert("x-dead-letter-routing-key".into(), text(queue));
        channel
            .queue_declare(retry.clone(), durable, arguments)
            .await?;
        Ok(())
    }
}

fn text(value: &ShortString) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value.as_str()))
}
