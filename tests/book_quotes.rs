//! The book quotes the code: a block in `docs/*.md` that starts with a comment such as
//! `// from runtime/src/reactor/mod.rs` is copied from that file. This test keeps the copies
//! true: the lines of such a block (but `// ...`, which marks a cut) must still be lines of
//! the file it names, in the same order (blank lines aside, and each line compared without its
//! indentation). Between two quoted lines the file may hold others: a quote may skip what
//! does not matter to the text, and `// ...` says where. So a change to the code that the book
//! quotes fails here until the chapter follows it.

use std::fs;
use std::path::{Path, PathBuf};

/// The marker that opens a quoted block, after its opening fence.
const FROM: &str = "// from ";

/// The marker of a cut inside a quoted block.
const CUT: &str = "// ...";

/// One quoted block: where it is, which file it quotes, and its lines (1-based line number in
/// the chapter, text).
struct Quote {
    /// The chapter that holds the block.
    doc: PathBuf,
    /// The quoted file, relative to the repository's root.
    path: String,
    /// The block's lines after the marker, numbered as in the chapter.
    lines: Vec<(usize, String)>,
}

/// Every quoted block of every `docs/*.md` page.
fn quotes(root: &Path) -> Vec<Quote> {
    let mut docs: Vec<_> = fs::read_dir(root.join("docs"))
        .expect("docs/ is there")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut quotes = Vec::new();
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
            let block = lines
                .by_ref()
                .take_while(|(_, l)| !l.starts_with("```"))
                .map(|(number, l)| (number + 1, l.to_string()))
                .collect();
            quotes.push(Quote {
                doc: doc.clone(),
                path: path.to_string(),
                lines: block,
            });
        }
    }
    quotes
}

/// Where `quote` stops matching `source`: the first quoted line that is not, in order, a
/// line of the file (`None`: it all matches). Each quoted line is looked for after the
/// previous one's match; a miss is reported with the reason.
fn first_mismatch(quote: &Quote, source: &str) -> Option<String> {
    let file: Vec<&str> = source.lines().map(str::trim).collect();
    let mut next = 0; // the first line of the file where the next quoted line may be
    for (number, copy) in &quote.lines {
        let copy = copy.trim();
        if copy.is_empty() || copy.starts_with(CUT) {
            continue;
        }
        match file[next..].iter().position(|line| *line == copy) {
            Some(offset) => next += offset + 1,
            None => {
                let why = if file.contains(&copy) {
                    "is in the file, but not after the line quoted before it"
                } else {
                    "is no longer in the file"
                };
                return Some(format!(
                    "{}:{number}: {}: `{copy}` {why}",
                    quote.doc.display(),
                    quote.path
                ));
            }
        }
    }
    None
}

#[test]
fn every_quoted_block_is_still_in_its_file_in_the_same_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let quotes = quotes(&root);
    assert!(
        quotes.len() > 20,
        "found only {} quoted blocks: is the marker still `{FROM}`?",
        quotes.len()
    );
    let stale: Vec<String> = quotes
        .iter()
        .filter_map(|quote| {
            let source = fs::read_to_string(root.join(&quote.path))
                .unwrap_or_else(|e| panic!("{}: quotes {}: {e}", quote.doc.display(), quote.path));
            first_mismatch(quote, &source)
        })
        .collect();
    assert!(
        stale.is_empty(),
        "quoted blocks that no longer match their files (one line each):\n{}",
        stale.join("\n")
    );
}

#[test]
fn a_quote_out_of_order_is_caught() {
    let quote = |lines: &[&str]| Quote {
        doc: PathBuf::from("docs/example.md"),
        path: "src/example.rs".to_string(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect(),
    };
    let source = "fn main() {\n    let a = 1;\n    let b = 2;\n    println!(\"{a} {b}\");\n}\n";
    // In order, with a cut, an indentation of its own and a blank line: it matches.
    let good = quote(&["fn main() {", "// ...", "", "  println!(\"{a} {b}\");", "}"]);
    assert_eq!(first_mismatch(&good, source), None);
    // The same lines, swapped: each is in the file, but not in this order.
    let swapped = quote(&["let b = 2;", "let a = 1;"]);
    let error = first_mismatch(&swapped, source).expect("out of order");
    assert!(
        error.contains("not after the line quoted before it"),
        "{error}"
    );
    // A line that is not in the file at all.
    let missing = quote(&["let c = 3;"]);
    let error = first_mismatch(&missing, source).expect("missing");
    assert!(error.contains("no longer in the file"), "{error}");
}
