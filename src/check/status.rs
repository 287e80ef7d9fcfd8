use super::{CheckKind, CheckResult};
use crate::case::model::StatusExpect;

pub fn check(expect: &StatusExpect, status: u16) -> CheckResult {
    let passed = expect.patterns.iter().any(|p| p.matches(status));
    let expected = expect
        .patterns
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(" or ");
    CheckResult::new(
        CheckKind::Status,
        "status",
        expected,
        status.to_string(),
        passed,
    )
    .from(&expect.origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::StatusPattern;
    use crate::check::testing::pos;

    #[test]
    fn codes_and_classes() {
        let e = StatusExpect {
            patterns: vec![StatusPattern::Code(404), StatusPattern::Class(2)],
            origin: pos(),
        };
        assert!(check(&e, 404).passed);
        assert!(check(&e, 204).passed);
        let failed = check(&e, 400);
        assert!(!failed.passed);
        assert_eq!(failed.expected, "404 or 2xx");
        assert_eq!(failed.actual, "400");
    }
}
