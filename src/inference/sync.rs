//! Synchronous inference: validate, take a slot, bind, infer on the caller's thread, respond.

use super::bind::{Occupied, bind, collect};
use super::dispatcher::Blocking;
use super::request::Request;
use super::response::Response;
use super::validate::validate;
use crate::model::ServableManager;
use crate::status::{Error, Result, StatusCode};
use std::ffi::c_void;

/// Runs `request` to completion. The slot is restored and returned on every path (`Occupied`).
pub fn infer(manager: &ServableManager, request: &Request) -> Result<Response> {
    let servable = manager.servable(&request.servable_name, request.servable_version)?;
    let loaded = servable.loaded();
    validate(request, &loaded.inputs, &loaded.outputs)?;
    let mut occupied = Occupied::new(loaded.pool.acquire(Blocking::enter));
    bind(&mut occupied, request, loaded)?;
    occupied
        .slot()
        .request
        .infer()
        .map_err(|e| Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string()))?;
    collect(&occupied, request, loaded)
}

/// OVMS's sync call with a completion callback set: the callback runs on the caller's thread,
/// with `(response, 0)` on success (the same response the caller gets) or `(NULL, 1)` on failure.
/// `publish` turns the response into the pointer handed out.
pub fn infer_and_complete(
    manager: Result<&ServableManager>,
    request: &Request,
    publish: impl FnOnce(Response) -> *mut c_void,
) -> Result<*mut c_void> {
    let result = manager.and_then(|m| infer(m, request)).map(publish);
    if let Some(completion) = request.completion {
        let (response, flag) = match &result {
            Ok(response) => (*response, 0),
            Err(_) => (std::ptr::null_mut(), 1),
        };
        unsafe { (completion.callback)(response, flag, completion.user) };
    }
    result
}
