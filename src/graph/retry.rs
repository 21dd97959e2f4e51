//! The one retry policy: 429/503/504 honour Retry-After (seconds or HTTP date), other
//! transient failures back off exponentially with full jitter; failed attempts and total
//! wait are bounded.
//!
//! A wait the server asked for is not a failure: being told "come back in 2 s" seven times
//! in a busy minute is normal throttling, so such replies do not use up `max_attempts` or
//! grow the back-off; `max_total_wait_ms` bounds them instead.

use std::time::{Duration, SystemTime};

use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Failed attempts per request, the first included: network errors and retryable
    /// statuses without a (non-zero) Retry-After.
    pub max_attempts: u32,
    /// Total time one request may spend waiting between attempts, told waits included.
    pub max_total_wait_ms: u64,
    /// First back-off step when the server gives no Retry-After.
    pub base_delay_ms: u64,
    /// Ceiling of one wait (also caps a server's Retry-After).
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_total_wait_ms: 300_000,
            base_delay_ms: 500,
            max_delay_ms: 60_000,
        }
    }
}

/// HTTP statuses worth another attempt.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

/// Parse a Retry-After header: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What one request has been through so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// Every attempt sent.
    pub attempts: u32,
    /// Attempts that failed without the server saying when to come back.
    pub failures: u32,
    /// Time spent waiting between attempts.
    pub waited: Duration,
}

impl Tries {
    /// Record an attempt's outcome; `told` is the server's Retry-After, if any.
    pub fn record(&mut self, told: Option<Duration>) {
        self.attempts += 1;
        if told.is_none_or(|d| d.is_zero()) {
            self.failures += 1;
        }
    }
}

impl RetryPolicy {
    /// How long to wait before the next attempt: the server's Retry-After when it gave
    /// one (capped by `max_delay_ms`), else jittered exponential back-off over the failures.
    pub fn delay(&self, tries: &Tries, retry_after: Option<Duration>) -> Duration {
        let cap = Duration::from_millis(self.max_delay_ms);
        if let Some(d) = retry_after.filter(|d| !d.is_zero()) {
            return d.min(cap);
        }
        let exp = self
            .base_delay_ms
            .saturating_mul(1u64 << tries.failures.saturating_sub(1).min(20))
            .min(self.max_delay_ms);
        Duration::from_millis(rand::rng().random_range(exp / 2..=exp.max(1)))
    }

    /// Whether another attempt is allowed after `tries`, if the next wait is `next`.
    pub fn allows(&self, tries: &Tries, next: Duration) -> bool {
        tries.failures < self.max_attempts
            && tries.waited + next <= Duration::from_millis(self.max_total_wait_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn back_off_grows_and_is_bounded() {
        let p = RetryPolicy {
            base_delay_ms: 100,
            max_delay_ms: 1000,
            ..Default::default()
        };
        let failed = |n| Tries {
            attempts: n,
            failures: n,
            waited: Duration::ZERO,
        };
        assert!(p.delay(&failed(1), None) <= Duration::from_millis(100));
        assert!(p.delay(&failed(3), None) >= Duration::from_millis(200));
        assert!(p.delay(&failed(30), None) <= Duration::from_millis(1000));
        assert_eq!(
            p.delay(&failed(1), Some(Duration::from_secs(5))),
            Duration::from_secs(1)
        );
        assert!(!p.allows(&failed(8), Duration::ZERO));
        let long = Tries {
            waited: Duration::from_secs(299),
            ..failed(1)
        };
        assert!(!p.allows(&long, Duration::from_secs(2)));
    }

    #[test]
    fn told_waits_are_not_failures() {
        let p = RetryPolicy {
            max_attempts: 2,
            ..Default::default()
        };
        let mut t = Tries::default();
        for _ in 0..20 {
            t.record(Some(Duration::from_secs(1)));
            t.waited += p.delay(&t, Some(Duration::from_secs(1)));
        }
        assert_eq!((t.attempts, t.failures), (20, 0));
        assert!(p.allows(&t, Duration::from_secs(1)));
        // Retry-After: 0 is no wait at all, so it counts as a failure (no busy loop).
        t.record(Some(Duration::ZERO));
        t.record(None);
        assert_eq!(t.failures, 2);
        assert!(!p.allows(&t, Duration::ZERO));
        // The back-off exponent grows with failures only.
        let fresh = Tries { failures: 1, ..t };
        assert!(p.delay(&fresh, None) <= Duration::from_millis(500));
    }
}
