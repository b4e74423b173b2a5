# ctest package_find_package: installs this build into PREFIX, then configures, builds and runs a
# tiny consumer project that uses only find_package(ovms_shared) + ovms_shared::ovms_shared.
#   cmake -DBUILD_DIR= -DPREFIX= -DCONSUMER_SOURCE= -DCONSUMER_BUILD= [-DC_COMPILER=]
#         [-DGENERATOR=] [-DREADELF=] -P test_package.cmake
foreach(v BUILD_DIR PREFIX CONSUMER_SOURCE CONSUMER_BUILD)
  if(NOT ${v})
    message(FATAL_ERROR "test_package.cmake: ${v} is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${_result}):\n${_out}\n${_err}")
  endif()
  set(run_output "${_out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${CONSUMER_BUILD}")

run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")
file(GLOB_RECURSE _config "${PREFIX}/*/ovms_sharedConfig.cmake")
file(GLOB_RECURSE _library "${PREFIX}/*/libovms_shared.so")
file(GLOB_RECURSE _header "${PREFIX}/*/ovms.h")
if(NOT _config OR NOT _library OR NOT _header)
  message(FATAL_ERROR "install tree is incomplete: config='${_config}' library='${_library}' header='${_header}'")
endif()
message(STATUS "installed: ${_config}; ${_library}; ${_header}")

set(_configure "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE}" -B "${CONSUMER_BUILD}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_BUILD_TYPE=Release)
if(C_COMPILER)
  list(APPEND _configure "-DCMAKE_C_COMPILER=${C_COMPILER}")
endif()
if(GENERATOR)
  list(APPEND _configure -G "${GENERATOR}")
endif()
run("consumer configure" ${_configure})
run("consumer build" "${CMAKE_COMMAND}" --build "${CONSUMER_BUILD}")

file(GLOB_RECURSE _app "${CONSUMER_BUILD}/ovms_consumer")
if(NOT _app)
  message(FATAL_ERROR "consumer executable was not built")
endif()
list(GET _app 0 _app)

# The consumer must load the installed library (not the build tree's copy): DT_NEEDED is the
# plain library name and the runpath points into the install prefix.
if(READELF)
  run("readelf" "${READELF}" -d "${_app}")
  if(NOT run_output MATCHES "NEEDED[^\n]*\\[libovms_shared\\.so\\]")
    message(FATAL_ERROR "consumer does not depend on libovms_shared.so by name:\n${run_output}")
  endif()
  get_filename_component(_libdir "${_library}" DIRECTORY)
  string(FIND "${run_output}" "${_libdir}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "consumer runpath does not contain ${_libdir}:\n${run_output}")
  endif()
endif()

run("consumer run" "${_app}")
message(STATUS "consumer output:\n${run_output}")
if(NOT run_output MATCHES "consumer ok")
  message(FATAL_ERROR "consumer did not report success")
endif()
