//! A rate limit shared by every request of a run (`--rate-limit N/s`):
//! requests leave at most N per second, evenly spaced, retries included.
//! Spacing rather than a bursting bucket, because vendors count requests
//! per second and a burst at the start of each second is what trips them.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// At most `per_second` requests each second; it must be positive.
    pub fn new(per_second: f64) -> RateLimiter {
        assert!(per_second > 0.0 && per_second.is_finite());
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Reads `N/s`, `N/m` or `N` (per second); N may be a decimal.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let (number, per) = match text.split_once('/') {
        Some((n, unit)) => (n, unit.trim()),
        None => (text, "s"),
    };
    let seconds = match per {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        other => {
            return Err(format!(
                "--rate-limit `{text}`: unknown unit `{other}` (write N/s or N/m)"
            ));
        }
    };
    let n: f64 = number.trim().parse().map_err(|_| {
        format!("--rate-limit `{text}`: `{number}` is not a number (write N/s, e.g. 10/s)")
    })?;
    if !(n > 0.0 && n.is_finite()) {
        return Err(format!("--rate-limit `{text}`: the rate must be positive"));
    }
    Ok(n / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("10/s").unwrap(), 10.0);
        assert_eq!(parse_rate("2.5").unwrap(), 2.5);
        assert_eq!(parse_rate("120/m").unwrap(), 2.0);
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("ten/s").is_err());
        assert!(parse_rate("10/h").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_evenly() {
        let limiter = RateLimiter::new(4.0);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..5 {
            limiter.acquire().await;
            times.push(start.elapsed());
        }
        let expected: Vec<Duration> = (0..5).map(|i| Duration::from_millis(250 * i)).collect();
        assert_eq!(times, expected);
    }
}
