//! Errors as operators read them: one line, each cause once.

/// An error and its causes on one line (`a: b: c`), skipping a cause whose
/// text its parent already repeats (drivers often print their source inline).
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_lists_each_cause_once() {
        let inner = std::io::Error::other("refused");
        let outer = anyhow::Error::new(inner).context("cannot connect: refused");
        let error: &(dyn std::error::Error + 'static) = outer.as_ref();
        assert_eq!(describe(error), "cannot connect: refused");
    }
}
