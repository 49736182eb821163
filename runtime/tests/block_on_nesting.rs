//! `block_on` cannot nest: calling it from inside another `block_on` on the same thread panics
//! with a message that says so, and the runtime stays usable afterwards.

use std::panic;

/// The message of a panic payload.
fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn block_on_inside_block_on_panics_with_a_clear_message() {
    let outcome = panic::catch_unwind(|| zenio::block_on(async { zenio::block_on(async {}) }));
    let payload = outcome.expect_err("a nested block_on panics");
    let message = message_of(payload.as_ref());
    assert!(
        message.contains("block_on cannot be called from inside block_on"),
        "unclear message: {message:?}"
    );
}

#[test]
fn block_on_works_again_after_a_nested_call_panicked() {
    let outcome = panic::catch_unwind(|| zenio::block_on(async { zenio::block_on(async {}) }));
    assert!(outcome.is_err());
    let value = zenio::block_on(async { zenio::spawn(async { 5 }).await });
    assert_eq!(value.expect("the task completes"), 5);
}

#[test]
fn block_on_inside_a_task_panics_only_that_task() {
    let error = zenio::block_on(async {
        zenio::spawn(async { zenio::block_on(async {}) })
            .await
            .expect_err("the nested block_on panicked the task")
    });
    assert!(error.is_panic());
    let message = error.panic_message().unwrap_or_default();
    assert!(
        message.contains("block_on cannot be called from inside block_on"),
        "unclear message: {message:?}"
    );
}
