//! Which checks decide a verdict and which only warn. A check checks the
//! statements it names (`checks:`), else those of the expectation holding
//! it, else the case's; it is *advisory* when the docs show every one of
//! them only in an example (a message's wording, a sample value): its
//! failure is a warning, and the run does not fail on it unless `--strict`.

use super::model::{BodyExpect, Case, Expect, StatementRef};

/// Whether checks naming these statements are advisory (the registry
/// answers: named statements, each an `example`).
pub type Advisory<'a> = &'a dyn Fn(&[StatementRef]) -> bool;

/// Marks every check of `case` that is advisory.
pub fn mark_case(case: &mut Case, advisory: Advisory) {
    for step in &mut case.steps {
        mark_expect(&mut step.expect, &case.checks, advisory);
    }
}

/// Marks the checks of an expectation whose holder names `inherited`.
pub fn mark_expect(expect: &mut Expect, inherited: &[StatementRef], advisory: Advisory) {
    let own = if expect.checks.is_empty() {
        inherited
    } else {
        &expect.checks
    };
    expect.advisory = advisory(own);
    for body in &mut expect.body {
        if let BodyExpect::Path(assert) = body {
            let refs = if assert.checks.is_empty() {
                own
            } else {
                &assert.checks
            };
            assert.advisory = advisory(refs);
        }
    }
    for alternative in &mut expect.any_of {
        mark_expect(alternative, own, advisory);
    }
}
