//! The inference part: request and response objects, validation, binding and execution.

mod bind;
mod request;
mod response;
mod sync;
mod validate;

pub use request::{Buffer, Completion, CompletionCallback, Request, Side};
pub use response::{OutputData, Response, ResponseOutput};
pub use sync::{infer, infer_and_complete};
