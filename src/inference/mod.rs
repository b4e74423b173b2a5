//! The inference part: request and response objects, validation, binding and execution.

mod asynchronous;
mod bind;
mod dispatcher;
mod request;
mod response;
mod strings;
mod sync;
mod validate;

pub use asynchronous::{
    Done, Waiting, call_back_later, call_later_counted, in_job_callback, infer_async,
    infer_async_on, infer_async_or_wait, wait_for_callbacks,
};
pub use dispatcher::Blocking;
pub use request::{Buffer, InFlightMark, Request, Side, display_name, parameter_size};
pub use response::{ExternalData, OutputData, OutputWords, Response, ResponseOutput, aligned_copy};
pub use strings::StdStringArray;
pub use sync::{infer, infer_on, try_infer};

/// A tensor's dimensions: inline up to rank 4 (NCHW), so most shapes cost no allocation per
/// request, and a struct holding one stays cheap to move.
pub type Dims = smallvec::SmallVec<[i64; 4]>;
