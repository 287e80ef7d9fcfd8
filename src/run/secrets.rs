//! Masking of secret values (API keys) in everything a run reports.

/// What a secret is replaced with.
pub const MASK: &str = "***";

#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// The secrets and the forms they take once encoded, longest first so a
    /// secret containing another is masked whole.
    needles: Vec<String>,
}

impl Masker {
    pub fn new<I: IntoIterator<Item = String>>(secrets: I) -> Masker {
        let mut needles: Vec<String> = Vec::new();
        for secret in secrets {
            if secret.is_empty() {
                continue;
            }
            let json = serde_json::to_string(&secret).unwrap_or_default();
            let json_inner = json.trim_matches('"').to_string();
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let path_encoded = percent_encode_path(&secret);
            for form in [secret, json_inner, encoded, path_encoded] {
                if !form.is_empty() && !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Masker { needles }
    }

    pub fn merge(&self, other: &Masker) -> Masker {
        let mut needles = self.needles.clone();
        for n in &other.needles {
            if !needles.contains(n) {
                needles.push(n.clone());
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Masker { needles }
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }

    /// [`Self::mask`] of a text that is no longer needed: no copy of a
    /// text without secrets (a report of megabytes).
    pub fn mask_owned(&self, text: String) -> String {
        if self.needles.iter().any(|n| text.contains(n.as_str())) {
            self.mask(&text)
        } else {
            text
        }
    }

    pub fn mask_in_place(&self, text: &mut String) {
        if self.needles.iter().any(|n| text.contains(n.as_str())) {
            *text = self.mask(text);
        }
    }
}

/// The percent-encoding used for template values in URL paths.
pub fn percent_encode_path(text: &str) -> String {
    const KEEP: &[u8] = b"-._~";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || KEEP.contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_plain_and_encoded_forms() {
        let m = Masker::new(["s3cr\"et key/1".to_string()]);
        assert_eq!(m.mask("x-api-key: s3cr\"et key/1"), "x-api-key: ***");
        assert_eq!(m.mask(r#"{"k":"s3cr\"et key/1"}"#), r#"{"k":"***"}"#);
        assert_eq!(m.mask("?k=s3cr%22et+key%2F1"), "?k=***");
        assert_eq!(m.mask("/p/s3cr%22et%20key%2F1"), "/p/***");
        assert_eq!(m.mask("nothing here"), "nothing here");
    }

    #[test]
    fn an_owned_text_is_masked_alike() {
        let m = Masker::new(["k3y".to_string()]);
        assert_eq!(m.mask_owned("a k3y b".to_string()), "a *** b");
        assert_eq!(m.mask_owned("nothing".to_string()), "nothing");
    }

    #[test]
    fn empty_secrets_mask_nothing() {
        let m = Masker::new([String::new()]);
        assert!(m.is_empty());
        assert_eq!(m.mask("abc"), "abc");
    }
}
