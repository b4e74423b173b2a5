//! The inference request object: what a caller declared, with buffers referenced, not copied.
//!
//! Names are kept as the caller's bytes and compared as bytes, so two names that differ only in
//! bytes that are not UTF-8 never merge. While an inference runs on the request (from
//! acceptance until just before its callback), edits are refused with a status: the inference
//! works on its own copy of the request's description, so an edit could not take effect, and a
//! host that removes a buffer to free it must learn that the inference may still use it.

use super::validate::Plan;
use crate::datatype::DataType;
use crate::model::{Servable, WeakServable};
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// `OVMS_BUFFERTYPE_CPU`, the one buffer type this library binds.
pub(crate) const BUFFER_TYPE_CPU: u32 = 0;

/// A caller's buffer. The caller keeps it alive until the inference completes.
#[derive(Debug, Clone, Copy)]
pub struct Buffer {
    pub data: *const c_void,
    pub byte_size: usize,
    /// The raw `OVMS_BufferType` value; checked at inference time as OVMS does.
    pub buffer_type: u32,
    pub device_id: u32,
}

#[derive(Debug, Clone)]
pub struct RequestTensor {
    /// The raw `OVMS_DataType` value; checked at inference time.
    pub datatype: u32,
    pub shape: Vec<i64>,
    pub buffer: Option<Buffer>,
}

/// A name as the caller gave it, for messages (bytes that are not UTF-8 shown escaped).
pub fn display_name(name: &[u8]) -> String {
    name.escape_ascii().to_string()
}

pub struct Request {
    /// The caller's bytes, as a `String` when they are UTF-8 (checked once, not per inference).
    servable_name: std::result::Result<String, Vec<u8>>,
    servable_version: i64,
    inputs: BTreeMap<Vec<u8>, RequestTensor>,
    outputs: BTreeMap<Vec<u8>, RequestTensor>,
    parameters: BTreeMap<Vec<u8>, (u32, Vec<u8>)>,
    /// Set while an inference runs on the request; shared with that inference, which may
    /// outlive the request (a host may delete a request in flight).
    in_flight: Arc<AtomicBool>,
    /// What the request remembers between inferences, for a host that keeps it.
    memo: Mutex<Memo>,
}

/// What a kept request remembers between inferences (`remembered_servable`, `plan_for`).
#[derive(Default)]
struct Memo {
    /// The version the name and version resolved to last, with the count of changes to the
    /// served sets read before that lookup (`model::served`).
    servable: Option<(u64, WeakServable)>,
    /// The request as validated against that version; every edit of the request clears it.
    /// Boxed: a request that is not kept (a network one) does not carry its size.
    plan: Option<Box<Plan>>,
}

/// A request's validated plan: made for this inference, or the one the request kept (its
/// memory is locked meanwhile: another thread's use of the request skips the memory).
pub struct PlanRef<'a>(Held<'a>);

enum Held<'a> {
    Made(Plan),
    Kept(MutexGuard<'a, Memo>),
}

impl Deref for PlanRef<'_> {
    type Target = Plan;
    fn deref(&self) -> &Plan {
        match &self.0 {
            Held::Made(plan) => plan,
            Held::Kept(memo) => memo.plan.as_ref().expect("a kept plan"),
        }
    }
}

/// Inputs or outputs: the two sets of tensors follow the same rules, with OVMS's codes.
#[derive(Clone, Copy)]
pub enum Side {
    Input,
    Output,
}

/// Marks a request as in flight until dropped.
pub struct InFlightMark(Arc<AtomicBool>);

impl Drop for InFlightMark {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// As `InFlightMark`, for an inference that ends before the borrowed request can go (a sync
/// one): no reference count to take and give back.
pub struct InFlightBorrow<'a>(&'a AtomicBool);

impl Drop for InFlightBorrow<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn in_flight_error() -> Error {
    Error::with(
        StatusCode::INTERNAL_ERROR,
        "inference request: an inference runs on it (its callback has not run yet); it cannot \
         be edited or run again until then",
    )
}

impl Request {
    pub fn new(servable_name: &[u8], servable_version: i64) -> Request {
        Request {
            servable_name: String::from_utf8(servable_name.to_vec()).map_err(|e| e.into_bytes()),
            servable_version,
            inputs: BTreeMap::new(),
            outputs: BTreeMap::new(),
            parameters: BTreeMap::new(),
            in_flight: Arc::new(AtomicBool::new(false)),
            memo: Mutex::new(Memo::default()),
        }
    }

    /// The version number asked for; 0 is the default version.
    pub fn servable_version(&self) -> i64 {
        self.servable_version
    }

    pub fn inputs(&self) -> &BTreeMap<Vec<u8>, RequestTensor> {
        &self.inputs
    }

    pub fn outputs(&self) -> &BTreeMap<Vec<u8>, RequestTensor> {
        &self.outputs
    }

    /// The version this request resolved to last, if nothing served changed since (`changes`
    /// is `model::served::changes()` now) and the version is still loaded. `None` also when
    /// another thread uses the memory at this moment: the caller then looks the name up.
    pub fn remembered_servable(&self, changes: u64) -> Option<Servable> {
        match &self.memo.try_lock().ok()?.servable {
            Some((at, servable)) if *at == changes => servable.upgrade(),
            _ => None,
        }
    }

    /// Remembers what a lookup found; `changes` is the count read before the lookup began.
    pub fn remember_servable(&self, changes: u64, servable: &Servable) {
        if let Ok(mut memo) = self.memo.try_lock() {
            let same = matches!(&memo.servable, Some((_, kept)) if kept.is(servable));
            if !same {
                memo.plan = None;
            }
            memo.servable = Some((changes, servable.downgrade()));
        }
    }

    /// The request validated against `servable`. A request that remembers `servable` keeps
    /// the plan `validate` made for it until the request is edited. A plan that carries
    /// strings is never kept: they were read from the caller's buffers, which may change
    /// without an edit.
    pub fn plan_for(
        &self,
        servable: &Servable,
        validate: impl FnOnce() -> Result<Plan>,
    ) -> Result<PlanRef<'_>> {
        let made = |plan| PlanRef(Held::Made(plan));
        let Ok(mut memo) = self.memo.try_lock() else {
            return validate().map(made);
        };
        if !matches!(&memo.servable, Some((_, kept)) if kept.is(servable)) {
            drop(memo);
            return validate().map(made);
        }
        if memo.plan.is_none() {
            let plan = validate()?;
            if plan.carries_strings() {
                return Ok(made(plan));
            }
            memo.plan = Some(Box::new(plan));
        }
        Ok(PlanRef(Held::Kept(memo)))
    }

    /// The servable name; a name that is not UTF-8 names no servable.
    pub fn servable_name(&self) -> Result<&str> {
        self.servable_name.as_deref().map_err(|bytes| {
            Error::with(
                StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
                format!(
                    "no model or pipeline named \"{}\" (the name is not UTF-8)",
                    display_name(bytes)
                ),
            )
        })
    }

    /// Fails if an inference runs on the request.
    pub fn check_idle(&self) -> Result<()> {
        if self.in_flight.load(Ordering::Acquire) {
            return Err(in_flight_error());
        }
        Ok(())
    }

    /// Marks the request as in flight, or fails if an inference already runs on it.
    pub fn begin_flight(&self) -> Result<InFlightMark> {
        self.mark_in_flight()?;
        Ok(InFlightMark(Arc::clone(&self.in_flight)))
    }

    /// As `begin_flight`, for the length of a borrow of the request.
    pub fn begin_borrowed_flight(&self) -> Result<InFlightBorrow<'_>> {
        self.mark_in_flight()?;
        Ok(InFlightBorrow(&self.in_flight))
    }

    fn mark_in_flight(&self) -> Result<()> {
        if self.in_flight.swap(true, Ordering::Acquire) {
            return Err(in_flight_error());
        }
        Ok(())
    }

    /// Edits are refused while an inference runs on the request.
    fn editable(&mut self) -> Result<&mut Request> {
        self.check_idle()?;
        self.forget_plan();
        Ok(self)
    }

    fn forget_plan(&mut self) {
        self.memo.get_mut().unwrap_or_else(|e| e.into_inner()).plan = None;
    }

    /// Inserts a tensor as given, unchecked: for tests of what validation refuses.
    #[cfg(test)]
    pub(crate) fn insert_tensor(&mut self, side: Side, name: &[u8], tensor: RequestTensor) {
        self.forget_plan();
        match side {
            Side::Input => &mut self.inputs,
            Side::Output => &mut self.outputs,
        }
        .insert(name.to_vec(), tensor);
    }

    fn tensors(&mut self, side: Side) -> Result<&mut BTreeMap<Vec<u8>, RequestTensor>> {
        let request = self.editable()?;
        Ok(match side {
            Side::Input => &mut request.inputs,
            Side::Output => &mut request.outputs,
        })
    }

    pub fn add_tensor(
        &mut self,
        side: Side,
        name: &[u8],
        datatype: u32,
        shape: &[i64],
    ) -> Result<()> {
        let tensors = self.tensors(side)?;
        if matches!(side, Side::Output) && datatype == DataType::STRING as u32 {
            return Err(Error::with(
                StatusCode::NOT_IMPLEMENTED,
                format!(
                    "output {}: STRING outputs cannot be preallocated",
                    display_name(name)
                ),
            ));
        }
        if tensors.contains_key(name) {
            return Err(Error::with(
                StatusCode::DOUBLE_TENSOR_INSERT,
                format!("tensor name: {}", display_name(name)),
            ));
        }
        tensors.insert(
            name.to_vec(),
            RequestTensor {
                datatype,
                shape: shape.to_vec(),
                buffer: None,
            },
        );
        Ok(())
    }

    pub fn set_data(&mut self, side: Side, name: &[u8], buffer: Buffer) -> Result<()> {
        let tensor = self.tensors(side)?.get_mut(name).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER,
                format!("tensor name: {}", display_name(name)),
            )
        })?;
        if tensor.buffer.is_some() {
            return Err(Error::with(
                StatusCode::DOUBLE_BUFFER_SET,
                format!("tensor name: {}", display_name(name)),
            ));
        }
        tensor.buffer = Some(buffer);
        Ok(())
    }

    pub fn remove_data(&mut self, side: Side, name: &[u8]) -> Result<()> {
        let tensor = self.tensors(side)?.get_mut(name).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER,
                format!("tensor name: {}", display_name(name)),
            )
        })?;
        tensor.buffer.take().map(|_| ()).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL,
                format!("tensor name: {}", display_name(name)),
            )
        })
    }

    pub fn remove_tensor(&mut self, side: Side, name: &[u8]) -> Result<()> {
        self.tensors(side)?.remove(name).map(|_| ()).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL,
                format!("tensor name: {}", display_name(name)),
            )
        })
    }

    /// Stores the parameter's value: as in OVMS, the datatype's element size in bytes is taken
    /// from `value` (types without a size store nothing), so `value` holds at least that many.
    pub fn add_parameter(&mut self, name: &[u8], datatype: u32, value: &[u8]) -> Result<()> {
        let request = self.editable()?;
        if request.parameters.contains_key(name) {
            return Err(Error::with(
                StatusCode::DOUBLE_PARAMETER_INSERT,
                format!("parameter name: {}", display_name(name)),
            ));
        }
        request
            .parameters
            .insert(name.to_vec(), (datatype, value.to_vec()));
        Ok(())
    }

    pub fn remove_parameter(&mut self, name: &[u8]) -> Result<()> {
        self.editable()?
            .parameters
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| {
                Error::with(
                    StatusCode::NONEXISTENT_PARAMETER,
                    format!("parameter name: {}", display_name(name)),
                )
            })
    }
}

/// How many bytes of a parameter's value OVMS stores for `datatype`.
pub fn parameter_size(datatype: u32) -> usize {
    DataType::from_raw(datatype)
        .and_then(DataType::element_size)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer() -> Buffer {
        Buffer {
            data: std::ptr::null(),
            byte_size: 0,
            buffer_type: BUFFER_TYPE_CPU,
            device_id: 0,
        }
    }

    #[test]
    fn tensor_bookkeeping_codes() {
        let mut r = Request::new(b"dummy", 0);
        r.add_tensor(Side::Input, b"b", DataType::FP32 as u32, &[1, 10])
            .unwrap();
        assert_eq!(
            r.add_tensor(Side::Input, b"b", 2, &[1]).unwrap_err().code,
            StatusCode::DOUBLE_TENSOR_INSERT
        );
        assert_eq!(
            r.set_data(Side::Input, b"x", buffer()).unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER
        );
        r.set_data(Side::Input, b"b", buffer()).unwrap();
        assert_eq!(
            r.set_data(Side::Input, b"b", buffer()).unwrap_err().code,
            StatusCode::DOUBLE_BUFFER_SET
        );
        r.remove_data(Side::Input, b"b").unwrap();
        assert_eq!(
            r.remove_data(Side::Input, b"b").unwrap_err().code,
            StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL
        );
        assert_eq!(
            r.remove_data(Side::Input, b"x").unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER
        );
        r.remove_tensor(Side::Input, b"b").unwrap();
        assert_eq!(
            r.remove_tensor(Side::Input, b"b").unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL
        );
        assert_eq!(
            r.add_tensor(Side::Output, b"a", DataType::STRING as u32, &[1])
                .unwrap_err()
                .code,
            StatusCode::NOT_IMPLEMENTED
        );
    }

    #[test]
    fn names_that_are_not_utf8_stay_apart() {
        let mut r = Request::new(b"dummy", 0);
        r.add_tensor(Side::Input, b"\xff", 2, &[1]).unwrap();
        r.add_tensor(Side::Input, b"\xfe", 2, &[1]).unwrap();
        assert_eq!(r.inputs.len(), 2);
        assert_eq!(
            Request::new(b"\xff", 0).servable_name().unwrap_err().code,
            StatusCode::PIPELINE_DEFINITION_NAME_MISSING
        );
    }

    #[test]
    fn edits_are_refused_in_flight() {
        let mut r = Request::new(b"dummy", 0);
        r.add_tensor(Side::Input, b"b", 2, &[1, 10]).unwrap();
        let mark = r.begin_flight().unwrap();
        assert!(
            r.begin_flight().is_err(),
            "a second inference on the same request"
        );
        for result in [
            r.remove_data(Side::Input, b"b"),
            r.remove_tensor(Side::Input, b"b"),
            r.add_tensor(Side::Output, b"a", 2, &[1]),
            r.set_data(Side::Input, b"b", buffer()),
            r.add_parameter(b"p", 9, &[0; 8]),
        ] {
            assert_eq!(result.unwrap_err().code, StatusCode::INTERNAL_ERROR);
        }
        drop(mark);
        r.set_data(Side::Input, b"b", buffer()).unwrap();
    }

    #[test]
    fn parameters_store_the_element_size() {
        let mut r = Request::new(b"dummy", 0);
        let value = 0x0102_0304_0506_0708u64.to_ne_bytes();
        r.add_parameter(b"p", DataType::U64 as u32, &value).unwrap();
        assert_eq!(r.parameters[&b"p"[..]].1, value.to_vec());
        assert_eq!(parameter_size(DataType::U64 as u32), 8);
        assert_eq!(parameter_size(DataType::STRING as u32), 0);
        assert_eq!(
            r.add_parameter(b"p", DataType::U64 as u32, &value)
                .unwrap_err()
                .code,
            StatusCode::DOUBLE_PARAMETER_INSERT
        );
        r.remove_parameter(b"p").unwrap();
        assert_eq!(
            r.remove_parameter(b"p").unwrap_err().code,
            StatusCode::NONEXISTENT_PARAMETER
        );
    }
}
