//! Values for `${fresh.*}`: unique within a run and, through a random run
//! token, across runs, so cases can share a vendor sandbox.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::case::template::Generator;

#[derive(Debug)]
pub struct Fresh {
    token: String,
    counter: AtomicU64,
}

impl Fresh {
    pub fn new() -> Fresh {
        let random = uuid::Uuid::new_v4().as_u128();
        let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let token: String = (0..6)
            .map(|i| alphabet[((random >> (i * 6)) % 36) as usize] as char)
            .collect();
        Fresh::with_token(token)
    }

    pub fn with_token(token: impl Into<String>) -> Fresh {
        Fresh {
            token: token.into(),
            counter: AtomicU64::new(0),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// A regex matching the run-specific part of every value [`Fresh::generate`]
    /// makes from the run token (all but GUIDs): the token and the counter.
    /// Both change from run to run, and the counter with scheduling order, so
    /// snapshots replace what this matches.
    pub fn pattern(&self) -> String {
        format!("{}-?[0-9]+", regex::escape(&self.token))
    }

    pub fn generate(&self, generator: Generator) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let token = &self.token;
        match generator {
            Generator::Guid => uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase(),
            Generator::MemberCode => format!("verity-{token}-{n}"),
            Generator::Email => format!("verity+{token}-{n}@example.com"),
            Generator::Id => format!("{token}{n}"),
        }
    }
}

impl Default for Fresh {
    fn default() -> Self {
        Fresh::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_unique_and_well_formed() {
        let f = Fresh::with_token("abc123");
        let a = f.generate(Generator::MemberCode);
        let b = f.generate(Generator::MemberCode);
        assert_ne!(a, b);
        assert!(a.starts_with("verity-abc123-"));
        let e = f.generate(Generator::Email);
        assert!(email_address::EmailAddress::is_valid(&e), "{e}");
        let g = f.generate(Generator::Guid);
        assert!(uuid::Uuid::parse_str(&g).is_ok());
        assert_eq!(g, g.to_uppercase());
        assert!(
            f.generate(Generator::Id)
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        );
    }

    #[test]
    fn the_pattern_matches_the_run_part_of_token_values() {
        let f = Fresh::with_token("ab1");
        let re = regex::Regex::new(&f.pattern()).unwrap();
        for generator in [Generator::MemberCode, Generator::Email, Generator::Id] {
            let value = f.generate(generator);
            let found = re.find(&value).map(|m| m.as_str().to_string());
            assert!(
                found.as_deref().is_some_and(|m| m.starts_with("ab1")),
                "{value}: {found:?}"
            );
            assert!(!re.replace_all(&value, "").contains("ab1"), "{value}");
        }
        assert!(!re.is_match("verity-zz9-1"));
    }

    #[test]
    fn run_tokens_differ() {
        assert_ne!(Fresh::new().token(), Fresh::new().token());
    }
}
