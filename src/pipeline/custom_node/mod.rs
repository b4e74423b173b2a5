//! Custom node libraries: shared libraries with OVMS's custom node interface
//! (`custom_node_interface.h`), loaded from `custom_node_library_config_list` and run as the
//! `custom` nodes of pipelines.
//!
//! The safe API: [`CustomNodeLibrary::load`] opens a library and resolves its six functions;
//! [`CustomNodeLibrary::initialize`] makes a [`NodeInstance`] (one per pipeline node, with the
//! node's params; `deinitialize` runs when the last handle to it goes); the instance answers
//! [`inputs_info`](NodeInstance::inputs_info), [`outputs_info`](NodeInstance::outputs_info) and
//! [`execute`](NodeInstance::execute). Every buffer a library hands out goes back through its
//! `release`: info arrays and dims at once, output data when the [`NodeOutput`] holding it is
//! dropped (outputs are not copied). A library's answers are checked before they are read:
//! null handles, bad counts, unknown precisions and sizes that do not match the dims are
//! refused with OVMS's node-library codes, and what was handed out is still released.
//!
//! `execute` runs the library's code on the calling thread; the library may block there.

pub mod abi;
mod registry;

pub use registry::NodeLibraries;

use crate::datatype::DataType;
use crate::status::{Error, Result, StatusCode};
use abi::{
    CustomNodeParam, CustomNodeTensor, CustomNodeTensorInfo, DeinitializeFn, ExecuteFn,
    InitializeFn, MetadataFn, Precision, ReleaseFn,
};
use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_void};
use std::path::{Component, Path, PathBuf};
use std::ptr::{self, NonNull};
use std::sync::Arc;

/// More dimensions than any tensor has: a larger count from a library is taken as a lie
/// rather than read.
const MAX_DIMS: u64 = 64;

/// The six functions, copied out of the library (valid while it stays loaded).
#[derive(Clone, Copy)]
struct Functions {
    initialize: InitializeFn,
    deinitialize: DeinitializeFn,
    execute: ExecuteFn,
    inputs_info: MetadataFn,
    outputs_info: MetadataFn,
    release: ReleaseFn,
}

/// A loaded custom node library. Stays loaded while any instance or output made from it lives
/// (each holds an `Arc` to it).
pub struct CustomNodeLibrary {
    name: String,
    path: PathBuf,
    functions: Functions,
    _library: libloading::Library,
}

impl std::fmt::Debug for CustomNodeLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomNodeLibrary")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

/// One of the library's functions, or NODE_LIBRARY_LOAD_FAILED_SYM when it does not export it.
fn resolve<T: Copy>(library: &libloading::Library, name: &str, symbol: &str) -> Result<T> {
    // SAFETY: T is always the `Option` of the function-pointer type OVMS's header declares for
    // `symbol` (a null address reads as None); the pointer is copied out and used only while
    // the library stays loaded, since both live in the same CustomNodeLibrary.
    let found = unsafe { library.get::<Option<T>>(symbol.as_bytes()) }
        .map(|symbol| *symbol)
        .map_err(|e| {
            Error::with(
                StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM,
                format!("library {name}: {symbol}: {e}"),
            )
        })?;
    found.ok_or_else(|| {
        Error::with(
            StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM,
            format!("library {name}: {symbol} is a null symbol"),
        )
    })
}

impl CustomNodeLibrary {
    /// Opens the library at `path` (absolute, no `..`, as OVMS requires) and resolves
    /// `initialize`, `deinitialize`, `execute`, `getInputsInfo`, `getOutputsInfo` and `release`.
    pub fn load(name: &str, path: impl AsRef<Path>) -> Result<Arc<CustomNodeLibrary>> {
        let path = path.as_ref();
        if !path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
            return Err(Error::with(
                StatusCode::PATH_INVALID,
                format!(
                    "custom node library {name}: {} must be an absolute path without ..",
                    path.display()
                ),
            ));
        }
        // SAFETY: opening runs the library's initialisers. The operator names the library in
        // the config to have it run inside the server, exactly as with OVMS; nothing else is
        // assumed of it until its functions are checked below.
        let library = unsafe { libloading::Library::new(path) }.map_err(|e| {
            Error::with(
                StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN,
                format!("library {name}: {e}"),
            )
        })?;
        let functions = Functions {
            initialize: resolve(&library, name, "initialize")?,
            deinitialize: resolve(&library, name, "deinitialize")?,
            execute: resolve(&library, name, "execute")?,
            inputs_info: resolve(&library, name, "getInputsInfo")?,
            outputs_info: resolve(&library, name, "getOutputsInfo")?,
            release: resolve(&library, name, "release")?,
        };
        log::info!("Loaded custom node library {name} from {}", path.display());
        Ok(Arc::new(CustomNodeLibrary {
            name: name.to_string(),
            path: path.to_path_buf(),
            functions,
            _library: library,
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Calls the library's `initialize` with a node's params: the instance a pipeline node
    /// runs on. NODE_LIBRARY_INITIALIZE_FAILED when it returns nonzero.
    pub fn initialize(self: &Arc<Self>, params: &NodeParams) -> Result<Arc<NodeInstance>> {
        let mut manager: *mut c_void = ptr::null_mut();
        // SAFETY: `initialize` has OVMS's signature; `manager` is a valid out-pointer and the
        // params array lives (with its strings) for the call.
        let result =
            unsafe { (self.functions.initialize)(&mut manager, params.as_ptr(), params.count()) };
        if result != 0 {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_INITIALIZE_FAILED,
                format!("library {}: initialize returned {result}", self.name),
            ));
        }
        Ok(Arc::new(NodeInstance {
            library: Arc::clone(self),
            manager,
        }))
    }

    /// Gives a buffer back to the library that allocated it.
    fn release(&self, buffer: *mut c_void, manager: *mut c_void) {
        if buffer.is_null() {
            return;
        }
        // SAFETY: `buffer` was handed out by this library (an info or output array, dims or
        // data) and is released exactly once, here.
        let result = unsafe { (self.functions.release)(buffer, manager) };
        if result != 0 {
            log::warn!(
                "custom node library {}: release returned {result}",
                self.name
            );
        }
    }
}

/// A node's `params`, as the C array the library reads (built once, passed to every call).
pub struct NodeParams {
    raw: Vec<CustomNodeParam>,
    _strings: Vec<(CString, CString)>,
}

// SAFETY: `raw` only points into `_strings`, which this value owns and never changes.
unsafe impl Send for NodeParams {}
// SAFETY: as for Send: the pointed-to strings are immutable.
unsafe impl Sync for NodeParams {}

impl NodeParams {
    /// NODE_LIBRARY_INITIALIZE_FAILED when a key or value holds a NUL byte (a C string cannot).
    pub fn new(params: &[(String, String)]) -> Result<NodeParams> {
        let to_c = |text: &str| {
            CString::new(text).map_err(|_| {
                Error::with(
                    StatusCode::NODE_LIBRARY_INITIALIZE_FAILED,
                    format!("node param {text:?} contains a NUL byte"),
                )
            })
        };
        let strings = params
            .iter()
            .map(|(key, value)| Ok((to_c(key)?, to_c(value)?)))
            .collect::<Result<Vec<_>>>()?;
        if c_int::try_from(strings.len()).is_err() {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_INITIALIZE_FAILED,
                "too many node params",
            ));
        }
        // The CStrings' heap buffers do not move when the Vec holding them does.
        let raw = strings
            .iter()
            .map(|(key, value)| CustomNodeParam {
                key: key.as_ptr(),
                value: value.as_ptr(),
            })
            .collect();
        Ok(NodeParams {
            raw,
            _strings: strings,
        })
    }

    pub fn empty() -> NodeParams {
        NodeParams {
            raw: Vec::new(),
            _strings: Vec::new(),
        }
    }

    /// NULL for no params, as OVMS passes them.
    fn as_ptr(&self) -> *const CustomNodeParam {
        if self.raw.is_empty() {
            ptr::null()
        } else {
            self.raw.as_ptr()
        }
    }

    fn count(&self) -> c_int {
        // Checked in `new`.
        self.raw.len() as c_int
    }
}

/// A tensor a library declares in getInputsInfo / getOutputsInfo. `dims` as in servable
/// metadata: -1 where the library said 0 (any size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTensorInfo {
    pub name: String,
    /// UNDEFINED when the library gave UNSPECIFIED or a number the interface does not have.
    pub datatype: DataType,
    pub dims: Vec<i64>,
}

/// An input for `execute`, borrowed from the caller for the call.
#[derive(Debug, Clone, Copy)]
pub struct NodeInput<'a> {
    pub name: &'a str,
    pub datatype: DataType,
    pub dims: &'a [u64],
    pub data: &'a [u8],
}

/// A library initialised for one node: its `initialize` ran, `deinitialize` runs on drop.
pub struct NodeInstance {
    library: Arc<CustomNodeLibrary>,
    manager: *mut c_void,
}

// SAFETY: `manager` is the library's own state, only ever handed back to the library. OVMS's
// interface has the server call a node's functions from several threads at once with the same
// state, so a library must allow that; this type adds no state of its own.
unsafe impl Send for NodeInstance {}
// SAFETY: see Send.
unsafe impl Sync for NodeInstance {}

impl Drop for NodeInstance {
    fn drop(&mut self) {
        // SAFETY: `manager` came from this library's `initialize`; this is its one
        // deinitialize, after every output made by this instance is gone (each holds an Arc).
        let result = unsafe { (self.library.functions.deinitialize)(self.manager) };
        if result != 0 {
            log::warn!(
                "custom node library {}: deinitialize returned {result}",
                self.library.name
            );
        }
    }
}

impl std::fmt::Debug for NodeInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeInstance")
            .field("library", &self.library.name)
            .finish()
    }
}

/// The text of a C string a library returned, or None for NULL or non-UTF-8 text.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string that stays valid for the call.
unsafe fn name_of(name: *const std::os::raw::c_char) -> Option<String> {
    if name.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated (the caller's contract).
    unsafe { CStr::from_ptr(name) }
        .to_str()
        .ok()
        .map(str::to_string)
}

/// The dims a library returned, copied; NODE_LIBRARY_INVALID_SHAPE for NULL with a nonzero
/// count or an implausible count.
///
/// # Safety
/// When `dims` is not NULL and `count` <= MAX_DIMS, `dims` points to `count` values.
unsafe fn dims_of(dims: *const u64, count: u64, what: &str) -> Result<Vec<u64>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if dims.is_null() || count > MAX_DIMS {
        return Err(Error::with(
            StatusCode::NODE_LIBRARY_INVALID_SHAPE,
            format!("{what}: dims {dims:?} with dimsCount {count}"),
        ));
    }
    // SAFETY: non-null, `count` values (the caller's contract).
    Ok(unsafe { std::slice::from_raw_parts(dims, count as usize) }.to_vec())
}

impl NodeInstance {
    pub fn library(&self) -> &Arc<CustomNodeLibrary> {
        &self.library
    }

    /// The library's getInputsInfo for these params.
    pub fn inputs_info(&self, params: &NodeParams) -> Result<Vec<NodeTensorInfo>> {
        self.metadata(self.library.functions.inputs_info, "getInputsInfo", params)
    }

    /// The library's getOutputsInfo for these params.
    pub fn outputs_info(&self, params: &NodeParams) -> Result<Vec<NodeTensorInfo>> {
        self.metadata(
            self.library.functions.outputs_info,
            "getOutputsInfo",
            params,
        )
    }

    fn release(&self, buffer: *mut c_void) {
        self.library.release(buffer, self.manager);
    }

    fn metadata(
        &self,
        function: MetadataFn,
        function_name: &str,
        params: &NodeParams,
    ) -> Result<Vec<NodeTensorInfo>> {
        let library = &self.library.name;
        let mut info: *mut CustomNodeTensorInfo = ptr::null_mut();
        let mut count: c_int = 0;
        // SAFETY: OVMS's signature; valid out-pointers; params live for the call; `manager`
        // is this instance's.
        let result = unsafe {
            function(
                &mut info,
                &mut count,
                params.as_ptr(),
                params.count(),
                self.manager,
            )
        };
        // On failure the library cleans up after itself (OVMS's contract).
        if result != 0 {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_METADATA_FAILED,
                format!("library {library}: {function_name} returned {result}"),
            ));
        }
        if info.is_null() {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED,
                format!("library {library}: {function_name} returned a NULL info array"),
            ));
        }
        if count <= 0 {
            self.release(info.cast());
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT,
                format!("library {library}: {function_name} returned {count} entries"),
            ));
        }
        // SAFETY: the library returned `count` entries at `info`.
        let entries = unsafe { std::slice::from_raw_parts(info, count as usize) };
        // Every entry's dims are released even after an error, so no early return in here.
        let mut tensors = Vec::with_capacity(entries.len());
        let mut first_error = None;
        for entry in entries {
            let what = format!("library {library}: {function_name}");
            // SAFETY: the entry's name is NULL or a C string of the library's.
            let converted = match unsafe { name_of(entry.name) } {
                // OVMS skips entries without a name.
                None => Ok(None),
                // SAFETY: the entry's dims point to dimsCount values unless it lies, which
                // dims_of refuses where it can tell.
                Some(name) => unsafe { dims_of(entry.dims, entry.dims_count, &what) }
                    .and_then(|dims| info_dims(&dims, &what))
                    .map(|dims| {
                        Some(NodeTensorInfo {
                            name,
                            datatype: entry.precision.to_datatype().unwrap_or(DataType::UNDEFINED),
                            dims,
                        })
                    }),
            };
            self.release(entry.dims.cast());
            match converted {
                Ok(Some(tensor)) => tensors.push(tensor),
                Ok(None) => log::warn!("{what}: an entry without a name is ignored"),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        self.release(info.cast());
        match first_error {
            Some(e) => Err(e),
            None => Ok(tensors),
        }
    }

    /// Runs the library's `execute` on `inputs` with the node's params. The outputs own the
    /// library's buffers (released on drop). A nonzero return is NODE_LIBRARY_EXECUTION_FAILED
    /// with the value in the message; outputs that do not add up are refused (and released).
    pub fn execute(
        self: &Arc<Self>,
        inputs: &[NodeInput<'_>],
        params: &NodeParams,
    ) -> Result<Vec<NodeOutput>> {
        let library = &self.library.name;
        let names = inputs
            .iter()
            .map(|input| {
                check_input(input)?;
                CString::new(input.name).map_err(|_| {
                    Error::with(
                        StatusCode::INVALID_MISSING_INPUT,
                        format!("input name {:?} contains a NUL byte", input.name),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let inputs_count = c_int::try_from(inputs.len())
            .map_err(|_| Error::with(StatusCode::INVALID_NO_OF_INPUTS, "too many inputs"))?;
        // The interface's pointers are mutable, but a library only reads its inputs.
        let raw_inputs: Vec<CustomNodeTensor> = inputs
            .iter()
            .zip(&names)
            .map(|(input, name)| CustomNodeTensor {
                name: name.as_ptr(),
                data: input.data.as_ptr().cast_mut(),
                data_bytes: input.data.len() as u64,
                dims: input.dims.as_ptr().cast_mut(),
                dims_count: input.dims.len() as u64,
                precision: Precision::from_datatype(input.datatype),
            })
            .collect();
        let mut outputs: *mut CustomNodeTensor = ptr::null_mut();
        let mut outputs_count: c_int = 0;
        // SAFETY: OVMS's signature; the input structs, their names, dims and data, and the
        // params all live for the call; valid out-pointers; `manager` is this instance's.
        let result = unsafe {
            (self.library.functions.execute)(
                if raw_inputs.is_empty() {
                    ptr::null()
                } else {
                    raw_inputs.as_ptr()
                },
                inputs_count,
                &mut outputs,
                &mut outputs_count,
                params.as_ptr(),
                params.count(),
                self.manager,
            )
        };
        // On failure the library cleans up after itself (OVMS's contract).
        if result != 0 {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_EXECUTION_FAILED,
                format!("library {library}: execute returned {result}"),
            ));
        }
        if outputs.is_null() {
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED,
                format!("library {library}: execute returned a NULL outputs array"),
            ));
        }
        if outputs_count <= 0 {
            self.release(outputs.cast());
            return Err(Error::with(
                StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT,
                format!("library {library}: execute returned {outputs_count} outputs"),
            ));
        }
        // SAFETY: the library returned `outputs_count` entries at `outputs`.
        let entries = unsafe { std::slice::from_raw_parts(outputs, outputs_count as usize) };
        // Each entry is converted (taking its data) or released, so no early return in here.
        let mut converted = Vec::with_capacity(entries.len());
        let mut first_error = None;
        for entry in entries {
            match self.take_output(entry) {
                // A repeated name: the first one is used, as OVMS does; this one is released
                // when dropped.
                Ok(output) if converted.iter().any(|o: &NodeOutput| o.name == output.name) => {
                    log::warn!(
                        "library {library}: execute returned output {} twice",
                        output.name
                    );
                }
                Ok(output) => converted.push(output),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        self.release(outputs.cast());
        match first_error {
            // Dropping `converted` releases the outputs that were fine.
            Some(e) => Err(e),
            None => Ok(converted),
        }
    }

    /// Turns one output entry into a NodeOutput owning its data, or releases its data. Its
    /// dims are copied and released either way.
    fn take_output(self: &Arc<Self>, entry: &CustomNodeTensor) -> Result<NodeOutput> {
        let library = &self.library.name;
        // SAFETY: the entry's dims point to dimsCount values unless it lies, which dims_of
        // refuses where it can tell.
        let dims = unsafe { dims_of(entry.dims, entry.dims_count, library) };
        self.release(entry.dims.cast());
        let checked = (|| {
            // SAFETY: the entry's name is NULL or a C string of the library's.
            let name = unsafe { name_of(entry.name) }.ok_or_else(|| {
                Error::with(
                    StatusCode::NODE_LIBRARY_OUTPUT_MISSING_NAME,
                    format!("library {library}: an output's name is NULL or not UTF-8"),
                )
            })?;
            let what = format!("library {library}: output {name}");
            let datatype = entry.precision.to_datatype().ok_or_else(|| {
                Error::with(
                    StatusCode::NODE_LIBRARY_INVALID_PRECISION,
                    format!("{what}: precision {}", entry.precision.0),
                )
            })?;
            let dims = dims?;
            let expected = byte_size(&dims, datatype);
            let data = NonNull::new(entry.data);
            match (data, expected) {
                (Some(data), Some(expected)) if expected == entry.data_bytes => Ok(NodeOutput {
                    name,
                    datatype,
                    dims,
                    data,
                    len: entry.data_bytes as usize,
                    instance: Arc::clone(self),
                }),
                (None, _) => Err(Error::with(
                    StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE,
                    format!("{what}: data is NULL ({} bytes)", entry.data_bytes),
                )),
                (Some(_), expected) => Err(Error::with(
                    StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE,
                    format!(
                        "{what}: {} bytes for dims {dims:?} of {datatype:?} ({})",
                        entry.data_bytes,
                        match expected {
                            Some(bytes) => format!("expected {bytes}"),
                            None => "too large".to_string(),
                        }
                    ),
                )),
            }
        })();
        if checked.is_err() {
            self.release(entry.data.cast());
        }
        checked
    }
}

/// Info dims as metadata has them: 0 (any size) becomes -1.
fn info_dims(dims: &[u64], what: &str) -> Result<Vec<i64>> {
    dims.iter()
        .map(|&dim| match dim {
            0 => Ok(-1),
            _ => i64::try_from(dim).map_err(|_| {
                Error::with(
                    StatusCode::NODE_LIBRARY_INVALID_SHAPE,
                    format!("{what}: dimension {dim}"),
                )
            }),
        })
        .collect()
}

/// Bytes of a dense tensor; None on overflow or for a type without a byte size.
fn byte_size(dims: &[u64], datatype: DataType) -> Option<u64> {
    dims.iter()
        .try_fold(datatype.element_size()? as u64, |bytes, &dim| {
            bytes.checked_mul(dim)
        })
}

/// Refuses an input whose data does not match its dims (the library would read past it).
fn check_input(input: &NodeInput<'_>) -> Result<()> {
    if input.datatype.element_size().is_none() {
        return Ok(());
    }
    match byte_size(input.dims, input.datatype) {
        Some(bytes) if bytes == input.data.len() as u64 => Ok(()),
        expected => Err(Error::with(
            StatusCode::INVALID_CONTENT_SIZE,
            format!(
                "custom node input {}: {} bytes for dims {:?} of {:?} (expected {expected:?})",
                input.name,
                input.data.len(),
                input.dims,
                input.datatype
            ),
        )),
    }
}

/// An output of `execute`: the library's buffer, released through the library's `release`
/// when this is dropped. Keeps its node instance (and so the library) alive until then.
pub struct NodeOutput {
    name: String,
    datatype: DataType,
    dims: Vec<u64>,
    data: NonNull<u8>,
    len: usize,
    instance: Arc<NodeInstance>,
}

// SAFETY: the buffer belongs to this value alone until it is released in Drop, and is only
// read through `&self`; the library allows release from any thread (see NodeInstance).
unsafe impl Send for NodeOutput {}
// SAFETY: see Send: shared access only reads.
unsafe impl Sync for NodeOutput {}

impl NodeOutput {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn datatype(&self) -> DataType {
        self.datatype
    }

    pub fn dims(&self) -> &[u64] {
        &self.dims
    }

    pub fn data(&self) -> &[u8] {
        // SAFETY: `data` is non-null and the library's buffer of `len` bytes (checked against
        // the dims when it was taken), alive until Drop.
        unsafe { std::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }

    /// The buffer's address, for wrapping it in a tensor without a copy (valid while `self`).
    pub fn as_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
}

impl std::fmt::Debug for NodeOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeOutput")
            .field("name", &self.name)
            .field("datatype", &self.datatype)
            .field("dims", &self.dims)
            .field("bytes", &self.len)
            .finish()
    }
}

impl Drop for NodeOutput {
    fn drop(&mut self) {
        self.instance.release(self.data.as_ptr().cast());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_size_checks_overflow_and_unsized_types() {
        assert_eq!(byte_size(&[2, 3], DataType::FP32), Some(24));
        assert_eq!(byte_size(&[], DataType::I64), Some(8));
        assert_eq!(byte_size(&[u64::MAX, 2], DataType::U8), None);
        assert_eq!(byte_size(&[1], DataType::STRING), None);
    }

    #[test]
    fn info_dims_mark_any_size_as_minus_one() {
        assert_eq!(info_dims(&[1, 0, 10], "t").unwrap(), vec![1, -1, 10]);
        assert_eq!(
            info_dims(&[u64::MAX], "t").unwrap_err().code,
            StatusCode::NODE_LIBRARY_INVALID_SHAPE
        );
    }

    #[test]
    fn params_refuse_nul_and_pass_null_when_empty() {
        assert!(NodeParams::empty().as_ptr().is_null());
        let params = NodeParams::new(&[("add".into(), "1".into())]).unwrap();
        assert_eq!(params.count(), 1);
        // SAFETY: the pointers come from the CStrings the params own.
        let key = unsafe { CStr::from_ptr(params.raw[0].key) };
        assert_eq!(key.to_str().unwrap(), "add");
        let bad = NodeParams::new(&[("a\0b".into(), "1".into())])
            .err()
            .unwrap();
        assert_eq!(bad.code, StatusCode::NODE_LIBRARY_INITIALIZE_FAILED);
    }

    #[test]
    fn load_refuses_relative_and_escaping_paths() {
        for path in ["lib.so", "/tmp/../tmp/lib.so"] {
            let error = CustomNodeLibrary::load("lib", path).unwrap_err();
            assert_eq!(error.code, StatusCode::PATH_INVALID, "{path}");
        }
        let missing = CustomNodeLibrary::load("lib", "/nonexistent/libnode.so").unwrap_err();
        assert_eq!(missing.code, StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN);
    }
}
