//! The one retry policy: 429/503/504 honour Retry-After (seconds or HTTP date), other
//! transient failures back off exponentially with full jitter; attempts and total wait are
//! bounded.

use std::time::{Duration, SystemTime};

use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Total time one request may spend waiting between attempts.
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

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1` (attempt counts from 1), honouring the
    /// server's Retry-After when there is one.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let cap = Duration::from_millis(self.max_delay_ms);
        if let Some(d) = retry_after {
            return d.min(cap);
        }
        let exp = self
            .base_delay_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay_ms);
        Duration::from_millis(rand::rng().random_range(exp / 2..=exp.max(1)))
    }

    /// Whether another attempt is allowed after `attempts` tries and `waited` so far, if the
    /// next wait is `next`.
    pub fn allows(&self, attempts: u32, waited: Duration, next: Duration) -> bool {
        attempts < self.max_attempts
            && waited + next <= Duration::from_millis(self.max_total_wait_ms)
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
        assert!(p.delay(1, None) <= Duration::from_millis(100));
        assert!(p.delay(3, None) >= Duration::from_millis(200));
        assert!(p.delay(30, None) <= Duration::from_millis(1000));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(5))),
            Duration::from_secs(1)
        );
        assert!(!p.allows(8, Duration::ZERO, Duration::ZERO));
        assert!(!p.allows(1, Duration::from_secs(299), Duration::from_secs(2)));
    }
}
