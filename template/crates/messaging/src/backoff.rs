//! Reconnect delays: exponential with "equal jitter".
//!
//! The delay doubles from `min` up to `max`; each delay is then drawn from
//! its upper half, so replicas that lost the broker at the same moment do not
//! come back in lock-step, while a delay never drops below half its step.
//! The randomness comes from std's per-instance `RandomState` keys, which is
//! plenty for jitter and saves a `rand` dependency.

use std::{
    hash::{BuildHasher, RandomState},
    time::Duration,
};

#[derive(Debug)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            failures: 0,
        }
    }

    /// After a successful connect: the next outage starts again from `min`.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// The delay before the next attempt.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = delay(self.min, self.max, self.failures);
        self.failures = self.failures.saturating_add(1);
        delay
    }
}

/// The delay after `failures` failed attempts: `min` doubled per failure up
/// to `max`, drawn from the upper half of that step.
pub(crate) fn delay(min: Duration, max: Duration, failures: u32) -> Duration {
    let step = min
        .saturating_mul(2u32.saturating_pow(failures.min(31)))
        .min(max.max(min));
    let half = step / 2;
    half + half.mul_f64(random_unit())
}

/// A number in `[0, 1)`.
fn random_unit() -> f64 {
    let bits = RandomState::new().hash_one(0u8) >> 11; // 53 random bits
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let mut backoff = Backoff::new(min, max);
        for step_ms in [100, 200, 400, 800, 1000, 1000, 1000] {
            let step = Duration::from_millis(step_ms);
            let delay = backoff.next_delay();
            assert!(
                delay >= step / 2 && delay <= step,
                "{delay:?} for step {step:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= min);
    }

    #[test]
    fn jitter_varies() {
        let mut delays: Vec<_> = (0..20)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(1)).next_delay())
            .collect();
        delays.dedup();
        assert!(delays.len() > 1);
    }
}
