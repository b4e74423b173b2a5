//! The inference part: request and response objects, validation, binding and execution.

mod asynchronous;
mod bind;
mod dispatcher;
mod request;
mod response;
mod sync;
mod validate;

pub use asynchronous::{Publish, infer_async, wait_for_callbacks};
pub use dispatcher::spawn as run_detached;
pub use request::{Buffer, Completion, CompletionCallback, Request, Side};
pub use response::{OutputData, Response, ResponseOutput};
pub use sync::{infer, infer_and_complete};
