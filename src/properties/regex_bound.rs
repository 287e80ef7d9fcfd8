//! What a `regex:` value declaration makes, bounded before proptest is
//! asked for a strategy: proptest's `string_regex` panics on a class that
//! matches no character (`[a&&b]`, `[^\s\S]`) when it picks from it, and
//! builds every repetition it is given (`[a-z]{100000000}` is a hundred
//! million value trees, gigabytes, for one value). Every repeated part can
//! make a character (regex-syntax drops repetitions of what matches only
//! the empty string), so the bound on characters bounds the repetitions
//! built as well.
//!
//! The bounds follow proptest's reading of the regex (regex-syntax's HIR,
//! the parser proptest uses): an unbounded `*` or `+` repeats up to 32
//! times, `{n,}` fewer than `2n` times.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The longest value a declaration may make, in characters: the fields
/// generated are names, codes and emails, and a body of a few of them stays
/// far from any server's limit.
pub const MAX_CHARS: u64 = 10_000;

/// Why a regex cannot be a value declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegexBoundError {
    #[error("`{regex}` is not a valid regex: {reason}")]
    Invalid { regex: String, reason: String },
    #[error("regex `{0}` matches no string: nothing could be generated from it")]
    MatchesNothing(String),
    #[error(
        "regex `{0}` has a part that matches no character (a class such as `[a&&b]` or `[^\\s\\S]`): remove that part"
    )]
    EmptyPart(String),
    #[error(
        "regex `{regex}` makes values of up to {chars} characters; the limit is {MAX_CHARS}: use smaller repetition counts"
    )]
    TooLong { regex: String, chars: u64 },
}

/// Checks that `source` generates, within the bounds.
pub fn check(source: &str) -> Result<(), RegexBoundError> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(|e| RegexBoundError::Invalid {
            regex: source.to_string(),
            reason: reason(&e),
        })?;
    let bound = bound(&hir);
    if bound.nothing {
        return Err(RegexBoundError::MatchesNothing(source.to_string()));
    }
    if bound.empty_part {
        return Err(RegexBoundError::EmptyPart(source.to_string()));
    }
    if bound.chars > MAX_CHARS {
        return Err(RegexBoundError::TooLong {
            regex: source.to_string(),
            chars: bound.chars,
        });
    }
    Ok(())
}

/// regex-syntax's message without the pattern and caret lines it draws
/// around it (which a one-line error would print as `\n`).
fn reason(error: &regex_syntax::Error) -> String {
    match error {
        regex_syntax::Error::Parse(e) => e.kind().to_string(),
        regex_syntax::Error::Translate(e) => e.kind().to_string(),
        other => other
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Bound {
    /// The most characters one value has.
    chars: u64,
    /// No string matches (every way through meets an empty class).
    nothing: bool,
    /// Some part matches no character, even if another way round it does.
    empty_part: bool,
}

fn bound(hir: &Hir) -> Bound {
    let leaf = |chars, nothing| Bound {
        chars,
        nothing,
        empty_part: nothing,
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => leaf(0, false),
        HirKind::Literal(literal) => {
            let chars = String::from_utf8_lossy(&literal.0).chars().count() as u64;
            leaf(chars, false)
        }
        HirKind::Class(class) => {
            let empty = match class {
                Class::Unicode(c) => c.ranges().is_empty(),
                Class::Bytes(c) => c.ranges().is_empty(),
            };
            leaf(1, empty)
        }
        HirKind::Capture(capture) => bound(&capture.sub),
        HirKind::Repetition(rep) => {
            let sub = bound(&rep.sub);
            // proptest's `to_range`.
            let most = match (rep.min, rep.max) {
                (0 | 1, None) => 32,
                (min, None) => (u64::from(min) * 2).saturating_sub(1),
                (_, Some(max)) => u64::from(max),
            };
            Bound {
                chars: sub.chars.saturating_mul(most),
                nothing: rep.min > 0 && sub.nothing,
                empty_part: sub.empty_part,
            }
        }
        HirKind::Concat(subs) => subs.iter().map(bound).fold(leaf(0, false), |a, b| Bound {
            chars: a.chars.saturating_add(b.chars),
            nothing: a.nothing || b.nothing,
            empty_part: a.empty_part || b.empty_part,
        }),
        HirKind::Alternation(subs) => {
            let all: Vec<Bound> = subs.iter().map(bound).collect();
            Bound {
                chars: all.iter().map(|b| b.chars).max().unwrap_or(0),
                nothing: all.iter().all(|b| b.nothing),
                empty_part: all.iter().any(|b| b.empty_part),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_that_match_nothing_are_refused() {
        for source in ["[a&&b]", "[^\\s\\S]", "x[a&&b]", "([a&&b])+"] {
            assert_eq!(
                check(source),
                Err(RegexBoundError::MatchesNothing(source.into())),
                "{source}"
            );
        }
        for source in ["x|[a&&b]", "x[a&&b]*"] {
            assert_eq!(
                check(source),
                Err(RegexBoundError::EmptyPart(source.into())),
                "{source}"
            );
        }
    }

    #[test]
    fn values_are_bounded_as_proptest_makes_them() {
        assert_eq!(
            check("[a-z]{100000000}"),
            Err(RegexBoundError::TooLong {
                regex: "[a-z]{100000000}".into(),
                chars: 100_000_000
            })
        );
        // Nested repetitions multiply.
        assert!(matches!(
            check("((a{100}){100}){100}"),
            Err(RegexBoundError::TooLong {
                chars: 1_000_000,
                ..
            })
        ));
        // regex-syntax drops repetitions of what matches only the empty
        // string, as proptest then does: no work.
        assert_eq!(check("(){1000000}"), Ok(()));
        // `*` is 32 at most, `{n,}` below 2n.
        for fine in [
            "[a-z]*",
            "[A-Z][a-z]{0,11}",
            "mem_[a-z0-9]{20}",
            "x{5000,}",
            "(ab|cde){1000}",
        ] {
            assert_eq!(check(fine), Ok(()), "{fine}");
        }
        assert!(check("x{5001,}").is_err());
    }

    #[test]
    fn a_bad_regex_is_refused_in_one_line() {
        let e = check("(a").unwrap_err().to_string();
        assert_eq!(e, "`(a` is not a valid regex: unclosed group");
    }
}
