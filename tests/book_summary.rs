//! The book is also an mdBook (`mdbook serve docs`): `docs/SUMMARY.md` is its table of
//! contents, and mdBook shows only the pages listed there. This test keeps the list whole:
//! every `.md` page in `docs/` is listed, exactly once, and every page listed exists.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The table of contents, which lists the pages but is not one of them.
const SUMMARY: &str = "SUMMARY.md";

/// The `.md` files linked from `summary`, in order: each `[title](file.md)` link.
fn listed(summary: &str) -> Vec<String> {
    let mut pages = Vec::new();
    for line in summary.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = &after[..end];
            if target.ends_with(".md") {
                pages.push(target.to_string());
            }
            rest = &after[end..];
        }
    }
    pages
}

/// Every `.md` file under `dir`, as a path relative to it (with `/`), but the summary.
fn pages(dir: &Path, prefix: &str, found: &mut BTreeSet<String>) {
    for entry in fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a readable entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            pages(&path, &format!("{prefix}{name}/"), found);
        } else if name.ends_with(".md") && !(prefix.is_empty() && name == SUMMARY) {
            found.insert(format!("{prefix}{name}"));
        }
    }
}

#[test]
fn the_summary_lists_every_page_of_the_book_once() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let summary = fs::read_to_string(docs.join(SUMMARY)).expect("docs/SUMMARY.md is there");
    let listed = listed(&summary);

    let mut on_disk = BTreeSet::new();
    pages(&docs, "", &mut on_disk);

    let missing: Vec<_> = listed.iter().filter(|p| !docs.join(p).is_file()).collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md lists pages that do not exist: {missing:?}"
    );
    let unlisted: Vec<_> = on_disk.iter().filter(|p| !listed.contains(p)).collect();
    assert!(
        unlisted.is_empty(),
        "pages missing from docs/SUMMARY.md (mdBook would not show them): {unlisted:?}"
    );
    let unique: BTreeSet<_> = listed.iter().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a page is listed twice: {listed:?}"
    );
}

#[test]
fn the_summary_links_are_read_from_its_lines() {
    let summary = "# Summary\n\n[Intro](README.md)\n\n- [One](01-one.md)\n  - [A part](part/a.md)\n\n---\n\n[Site](https://example.com) [Two](02-two.md)\n";
    assert_eq!(
        listed(summary),
        ["README.md", "01-one.md", "part/a.md", "02-two.md"]
    );
}
