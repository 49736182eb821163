//! The book quotes the code: a block in `docs/*.md` that starts with a comment such as
//! `// from runtime/src/reactor/mod.rs` is copied from that file. This test keeps the copies
//! true: every line of such a block (but `// ...`, which marks a cut) must still be a line
//! of the file it names, so a change to the code that the book quotes fails here until the
//! chapter follows it.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

/// The marker that opens a quoted block, after its opening fence.
const FROM: &str = "// from ";

#[test]
fn every_quoted_line_is_still_in_the_file_it_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut quoted = 0;
    let mut stale = Vec::new();
    let mut docs: Vec<_> = fs::read_dir(root.join("docs"))
        .expect("docs/ is there")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    for doc in docs {
        let text = fs::read_to_string(&doc).expect("a chapter is text");
        let mut lines = text.lines().enumerate();
        while let Some((_, line)) = lines.next() {
            if !line.starts_with("```") {
                continue;
            }
            // A fence: the block is quoted if its first line names a file.
            let Some((_, first)) = lines.next() else {
                break;
            };
            let Some(path) = first.trim().strip_prefix(FROM) else {
                lines.by_ref().find(|(_, l)| l.starts_with("```"));
                continue;
            };
            let source = fs::read_to_string(root.join(path))
                .unwrap_or_else(|e| panic!("{}: quotes {path}: {e}", doc.display()));
            let known: HashSet<&str> = source.lines().map(str::trim).collect();
            quoted += 1;
            for (number, copy) in lines.by_ref().take_while(|(_, l)| !l.starts_with("```")) {
                let copy = copy.trim();
                if !copy.is_empty() && !copy.starts_with("// ...") && !known.contains(copy) {
                    stale.push(format!("{}:{}: {path}: {copy}", doc.display(), number + 1));
                }
            }
        }
    }
    assert!(
        quoted > 20,
        "found only {quoted} quoted blocks: is the marker still `{FROM}`?"
    );
    assert!(
        stale.is_empty(),
        "quoted lines no longer in their files:\n{}",
        stale.join("\n")
    );
}
