//! Marked places: where shared files list something once per aggregate.
//!
//! A marker is a comment line (`//` or `#`) that says "one per aggregate". The lines
//! right under it, up to a blank line, a line indented less than the marker, or the next
//! marker, are its block: one entry per aggregate (a `mod` line, a repository accessor, a
//! route). In a render of the template for the new aggregate, each block holds exactly
//! the new aggregate's entry; in the service, the same block holds every aggregate's
//! entry so far, and the new entry goes at its end.

use anyhow::{Result, bail};

/// One marked place of a file: the marker's text and the lines of its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub marker: String,
    /// Index of the marker line.
    pub line: usize,
    /// Index one past the block's last line: where an entry is appended.
    pub end: usize,
}

fn is_marker(line: &str) -> bool {
    let text = line.trim_start();
    (text.starts_with("//") || text.starts_with('#'))
        && text.to_ascii_lowercase().contains("one per aggregate")
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Every marked place of `text`, in order.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if !is_marker(line) {
            continue;
        }
        let indent = indentation(line);
        let mut end = index + 1;
        while let Some(next) = lines.get(end) {
            if next.trim().is_empty() || indentation(next) < indent || is_marker(next) {
                break;
            }
            end += 1;
        }
        found.push(Block {
            marker: line.trim().to_owned(),
            line: index,
            end,
        });
    }
    found
}

/// `target` with the entries of `rendered`'s blocks appended to its own blocks, matched
/// by position and marker text. Fails, naming the marker, when `target` lacks one.
pub fn inject(target: &str, rendered: &str) -> Result<String> {
    let wanted = blocks(rendered);
    let present = blocks(target);
    for (index, block) in wanted.iter().enumerate() {
        match present.get(index) {
            Some(found) if found.marker == block.marker => {}
            Some(found) => bail!(
                "marked place {} of {} should be `{}` but is `{}`",
                index + 1,
                wanted.len(),
                block.marker,
                found.marker
            ),
            None => bail!(
                "marked place {} of {} is missing: `{}`",
                index + 1,
                wanted.len(),
                block.marker
            ),
        }
    }
    let rendered_lines: Vec<&str> = rendered.lines().collect();
    let mut lines: Vec<&str> = target.lines().collect();
    // From the last block up, so earlier insertion points stay where they are.
    for (block, into) in wanted.iter().zip(&present).rev() {
        let entry = &rendered_lines[block.line + 1..block.end];
        lines.splice(into.end..into.end, entry.iter().copied());
    }
    let mut text = lines.join("\n");
    if target.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "\
mod store;

// Modules, one per aggregate.
mod order;

pub trait Store {
    fn ping(&self);

    // Repositories, one per aggregate.
    /// Orders.
    fn orders(&self);
}
";

    const RENDERED: &str = "\
mod store;

// Modules, one per aggregate.
mod line_item;

pub trait Store {
    fn ping(&self);

    // Repositories, one per aggregate.
    /// Line items.
    fn line_items(&self);
}
";

    #[test]
    fn a_block_ends_at_a_blank_line_or_a_dedent() {
        let found = blocks(SERVICE);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].end), (2, 4));
        assert_eq!((found[1].line, found[1].end), (8, 11));
        assert_eq!(found[1].marker, "// Repositories, one per aggregate.");
    }

    #[test]
    fn entries_are_appended_to_their_blocks() {
        let grown = inject(SERVICE, RENDERED).unwrap();
        assert_eq!(
            grown,
            "\
mod store;

// Modules, one per aggregate.
mod order;
mod line_item;

pub trait Store {
    fn ping(&self);

    // Repositories, one per aggregate.
    /// Orders.
    fn orders(&self);
    /// Line items.
    fn line_items(&self);
}
"
        );
        // Twice: the blocks keep growing at their ends.
        let again = inject(&grown, &RENDERED.replace("line_item", "customer")).unwrap();
        assert!(again.contains("mod line_item;\nmod customer;\n"));
    }

    #[test]
    fn a_missing_or_changed_marker_is_named() {
        let edited = SERVICE.replace("// Repositories, one per aggregate.\n", "");
        let error = inject(&edited, RENDERED).unwrap_err().to_string();
        assert!(error.contains("2 of 2 is missing: `// Repositories, one per aggregate.`"));
        let renamed = SERVICE.replace("// Modules, one", "// Mods, one");
        let error = inject(&renamed, RENDERED).unwrap_err().to_string();
        assert!(
            error.contains("should be `// Modules, one per aggregate.`"),
            "{error}"
        );
    }

    #[test]
    fn toml_comments_mark_places_too() {
        let record = "aggregates = [\n    # One per aggregate.\n    { name = \"order\" },\n]\n";
        let found = blocks(record);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].line, found[0].end), (1, 3));
    }
}
