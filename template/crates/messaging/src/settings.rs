//! Broker settings, their validation, and keeping the password out of logs.

use std::{fmt, time::Duration};

use lapin::uri::AMQPUri;

use crate::error::ConfigError;

/// Heartbeat (seconds) asked for when the URL has no `heartbeat` query.
///
/// RabbitMQ proposes 60 s and the lower of both sides wins, so without this a
/// silently dead link (NAT timeout, broker host gone) would be noticed only
/// after about two minutes. 20 s detects it in under a minute for the cost of
/// one tiny frame every 10 s. Set `?heartbeat=N` in the URL to change it
/// (lapin cannot disable heartbeats when the server wants them).
pub const DEFAULT_HEARTBEAT_SECS: u16 = 20;

/// Where and how to publish.
#[derive(Clone)]
pub struct BrokerSettings {
    /// `amqp[s]://user:password@host:port/vhost?heartbeat=20`. Secret: never
    /// logged; `Debug` masks the password.
    pub url: String,
    /// Durable topic exchange the events go to; declared after each connect.
    pub exchange: String,
    /// How long `publish` waits for the broker's ack.
    pub confirm_timeout: Duration,
    /// Bound for one connect attempt (TCP, AMQP handshake, channel, exchange
    /// declare); `publish` waits at most this long for an attempt in progress.
    pub connect_timeout: Duration,
    /// First reconnect delay; doubles per failed attempt.
    pub reconnect_min: Duration,
    /// Cap of the reconnect delay.
    pub reconnect_max: Duration,
}

impl BrokerSettings {
    /// Settings with the default timeouts: confirm 5 s, connect 5 s,
    /// reconnect backoff 200 ms doubling up to 30 s.
    pub fn new(url: impl Into<String>, exchange: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            exchange: exchange.into(),
            confirm_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
        }
    }

    /// Checks everything that does not need the broker; returns the URL as
    /// lapin takes it, with our default heartbeat filled in.
    pub(crate) fn validate(&self) -> Result<AMQPUri, ConfigError> {
        validate_exchange(&self.exchange)?;
        for (field, value) in [
            ("confirm_timeout", self.confirm_timeout),
            ("connect_timeout", self.connect_timeout),
            ("reconnect_min", self.reconnect_min),
        ] {
            if value.is_zero() {
                return Err(ConfigError::InvalidSetting {
                    field,
                    reason: "must be greater than zero",
                });
            }
        }
        if self.reconnect_max < self.reconnect_min {
            return Err(ConfigError::InvalidSetting {
                field: "reconnect_max",
                reason: "must not be less than reconnect_min",
            });
        }
        parse_url(&self.url)
    }

    pub(crate) fn redactor(&self) -> Redactor {
        // Both spellings: as written in the URL (percent-encoded) and decoded.
        let mut secrets = Vec::new();
        if let Some(encoded) = url::Url::parse(&self.url)
            .ok()
            .and_then(|url| url.password().map(str::to_owned))
        {
            secrets.push(encoded);
        }
        if let Ok(uri) = self.url.parse::<AMQPUri>() {
            secrets.push(uri.authority.userinfo.password);
        }
        secrets.retain(|secret| !secret.is_empty());
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Redactor { secrets }
    }
}

impl fmt::Debug for BrokerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerSettings")
            .field("url", &redact_url(&self.url))
            .field("exchange", &self.exchange)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .finish()
    }
}

fn parse_url(raw: &str) -> Result<AMQPUri, ConfigError> {
    // `url` errors never quote the input; amq-protocol's can ("Invalid URL: '<whole url>'").
    let parsed = url::Url::parse(raw).map_err(|error| ConfigError::InvalidUrl {
        reason: error.to_string(),
    })?;
    let mut uri: AMQPUri = raw
        .parse()
        .map_err(|reason: String| ConfigError::InvalidUrl {
            reason: reason.replace(raw, "<url>"),
        })?;
    // amq-protocol-uri 10.6 takes the host from `Url::domain()`, which is None
    // for an IPv6 literal, and then falls back to "localhost":
    // `amqp://[fd00::5]` would silently connect to localhost. (`amqp` is not a
    // "special" scheme for `url`, so IPv4 hosts stay opaque domains and work.)
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => uri.authority.host = ip.to_string(),
        Some(url::Host::Ipv6(ip)) => uri.authority.host = ip.to_string(),
        Some(url::Host::Domain(_)) => {}
        None => {
            return Err(ConfigError::InvalidUrl {
                reason: "the URL has no host".to_owned(),
            });
        }
    }
    uri.query.heartbeat.get_or_insert(DEFAULT_HEARTBEAT_SECS);
    Ok(uri)
}

fn validate_exchange(name: &str) -> Result<(), ConfigError> {
    let invalid = |reason| {
        Err(ConfigError::InvalidExchange {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("must not be empty (the default exchange cannot be a topic exchange)");
    }
    if name.len() > 255 {
        return invalid("must be at most 255 bytes");
    }
    if name.starts_with("amq.") {
        return invalid("the `amq.` prefix is reserved by the broker");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return invalid("may only contain ASCII letters, digits, '-', '_', '.' and ':'");
    }
    Ok(())
}

/// The URL with its password replaced by `***`, for `Debug` and messages.
pub(crate) fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() && url.set_password(Some("***")).is_err() {
                return "<url hidden>".to_owned();
            }
            url.to_string()
        }
        Err(_) => "<unparsable url hidden>".to_owned(),
    }
}

/// Masks the password in texts that come from lapin or the OS before they
/// reach logs, errors or the readiness status. Lapin's own messages do not
/// contain it today; this keeps it that way if that changes.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub(crate) fn apply(&self, text: impl fmt::Display) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> BrokerSettings {
        BrokerSettings::new(url, "shop.events")
    }

    #[test]
    fn debug_masks_the_password() {
        let debug = format!("{:?}", settings("amqp://app:s3cr%3At@broker:5672/%2f"));
        assert!(!debug.contains("s3cr"), "{debug}");
        assert!(debug.contains("app:***@broker"), "{debug}");
    }

    #[test]
    fn url_errors_do_not_leak_the_password() {
        for url in [
            "http://app:hunter2@broker/",
            "amqp:hunter2",
            "not a url hunter2",
        ] {
            let error = settings(url).validate().unwrap_err();
            assert!(
                matches!(error, ConfigError::InvalidUrl { .. }),
                "{url}: {error}"
            );
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn keeps_ip_hosts_and_defaults_the_heartbeat() {
        let uri = settings("amqp://u:p@10.1.2.3:5673/%2f").validate().unwrap();
        assert_eq!(uri.authority.host, "10.1.2.3");
        assert_eq!(uri.authority.port, 5673);
        assert_eq!(uri.vhost, "/");
        assert_eq!(uri.query.heartbeat, Some(DEFAULT_HEARTBEAT_SECS));
        let uri = settings("amqp://[fd00::5]/?heartbeat=5")
            .validate()
            .unwrap();
        assert_eq!(uri.authority.host, "fd00::5");
        assert_eq!(uri.query.heartbeat, Some(5));
    }

    #[test]
    fn rejects_bad_exchanges_and_durations() {
        for name in ["", "amq.topic", "with space", &"x".repeat(256)] {
            let error = BrokerSettings::new("amqp://h", name)
                .validate()
                .unwrap_err();
            assert!(
                matches!(error, ConfigError::InvalidExchange { .. }),
                "{error}"
            );
        }
        let mut bad = settings("amqp://h");
        bad.reconnect_max = bad.reconnect_min / 2;
        assert!(bad.validate().is_err());
        let mut bad = settings("amqp://h");
        bad.confirm_timeout = Duration::ZERO;
        assert!(bad.validate().is_err());
    }

    #[test]
    fn redactor_masks_the_password() {
        let redactor = settings("amqp://app:hunter%402@broker").redactor();
        assert_eq!(redactor.apply("bad hunter@2 here"), "bad *** here");
        assert_eq!(redactor.apply("bad hunter%402 here"), "bad *** here");
    }
}
