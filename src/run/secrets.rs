//! Masking of secret values (API keys) in everything a run reports.

use std::io::{self, Write};

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
        *text = self.mask_owned(std::mem::take(text));
    }
}

impl Masker {
    /// A writer that masks what goes through it, line by line: a secret
    /// never spans a line of the reports (JSON escapes line breaks in
    /// strings). When one would, because it holds a line break itself,
    /// the whole text is held and masked at [`MaskingWriter::finish`].
    pub fn writer<W: Write>(&self, inner: W) -> MaskingWriter<'_, W> {
        MaskingWriter {
            masker: self,
            inner,
            pending: Vec::new(),
            whole: self.needles.iter().any(|n| n.contains('\n')),
        }
    }
}

pub struct MaskingWriter<'m, W: Write> {
    masker: &'m Masker,
    inner: W,
    /// Bytes after the last line break written, or everything when `whole`.
    pending: Vec<u8>,
    whole: bool,
}

impl<W: Write> MaskingWriter<'_, W> {
    fn pass(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        let text = String::from_utf8(bytes).map_err(io::Error::other)?;
        self.inner
            .write_all(self.masker.mask_owned(text).as_bytes())
    }

    /// Masks and writes what is held, and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.pass(rest)?;
        self.inner.flush()
    }
}

impl<W: Write> Write for MaskingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if !self.whole
            && let Some(last) = self.pending.iter().rposition(|b| *b == b'\n')
        {
            let rest = self.pending.split_off(last + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            self.pass(lines)?;
        }
        Ok(buf.len())
    }

    /// Writes out only whole lines: the rest waits for [`Self::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
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
    fn the_writer_masks_a_secret_cut_across_writes() {
        for secret in ["k3y", "k3\ny"] {
            let m = Masker::new([secret.to_string()]);
            let mut out = Vec::new();
            let mut w = m.writer(&mut out);
            for part in [
                "a k",
                "3",
                if secret.contains('\n') { "\ny" } else { "y" },
                " b\nc k3",
                "y",
            ] {
                w.write_all(part.as_bytes()).unwrap();
            }
            w.finish().unwrap();
            let out = String::from_utf8(out).unwrap();
            assert_eq!(
                out.matches("***").count(),
                if secret.contains('\n') { 1 } else { 2 },
                "{secret:?}: {out}"
            );
            assert!(!out.contains(secret), "{out}");
        }
    }

    #[test]
    fn empty_secrets_mask_nothing() {
        let m = Masker::new([String::new()]);
        assert!(m.is_empty());
        assert_eq!(m.mask("abc"), "abc");
    }
}
