//! Stopping a run early: Ctrl-C and `--max-time` abort the cases in flight,
//! `--fail-fast` lets them finish; either way no new case starts, and every
//! case that did not finish is reported as skipped, with the reason, so the
//! reports account for the whole run.

use std::sync::Arc;

use tokio::sync::watch;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopReason {
    pub why: String,
    /// Also abandon the cases in flight.
    pub abort: bool,
}

/// Shared by whoever may stop the run and the runner's tasks.
#[derive(Debug, Clone)]
pub struct Stop {
    state: Arc<watch::Sender<Option<StopReason>>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop {
            state: Arc::new(watch::Sender::new(None)),
        }
    }
}

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Asks the run to stop. The first reason is kept, but an abort asked
    /// after a gentle stop still aborts.
    pub fn request(&self, why: impl Into<String>, abort: bool) {
        let why = why.into();
        self.state.send_if_modified(|state| match state {
            None => {
                *state = Some(StopReason { why, abort });
                true
            }
            Some(current) if abort && !current.abort => {
                current.abort = true;
                true
            }
            Some(_) => false,
        });
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.state.borrow().clone()
    }

    /// Resolves once an abort is asked for; never otherwise.
    pub async fn aborted(&self) -> StopReason {
        let mut rx = self.state.subscribe();
        let reason = rx
            .wait_for(|s| s.as_ref().is_some_and(|r| r.abort))
            .await
            .map(|s| s.clone());
        match reason {
            Ok(Some(r)) => r,
            // The sender lives as long as `self`: this cannot end otherwise.
            _ => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept_and_an_abort_upgrades() {
        let stop = Stop::new();
        assert_eq!(stop.reason(), None);
        stop.request("fail-fast", false);
        stop.request("other", false);
        assert_eq!(
            stop.reason(),
            Some(StopReason {
                why: "fail-fast".into(),
                abort: false
            })
        );
        stop.request("Ctrl-C", true);
        assert!(stop.reason().unwrap().abort);
    }

    #[tokio::test]
    async fn aborted_resolves_on_abort_only() {
        let stop = Stop::new();
        stop.request("gentle", false);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), stop.aborted());
        assert!(waiting.await.is_err(), "a gentle stop does not abort");
        let s2 = stop.clone();
        let task = tokio::spawn(async move { s2.aborted().await });
        stop.request("Ctrl-C", true);
        assert!(task.await.unwrap().abort);
    }
}
