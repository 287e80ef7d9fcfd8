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
    fn run_tokens_differ() {
        assert_ne!(Fresh::new().token(), Fresh::new().token());
    }
}
