//! The book's chapters (in `docs/`), compiled as doc tests so their code cannot drift from
//! the crate. (The chapters are being written; they are added here as they land.)
