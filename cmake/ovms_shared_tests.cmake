# The C test suite (c_tests/), registered with ctest. Included from the top CMakeLists.txt.
# The tests find the OpenVINO runtime the way any host does (the library's built-in search);
# OVMS_OPENVINO_LIB from the environment, if set, is passed through unchanged.

find_package(Threads REQUIRED)

set(OVMS_TESTS_DIR "${CMAKE_CURRENT_SOURCE_DIR}/c_tests")
set(OVMS_TESTS_CONFIG_DIR "${OVMS_TESTS_DIR}/configs")
set(OVMS_TESTS_MODELS_DIR "${CMAKE_CURRENT_SOURCE_DIR}/models")
set(OVMS_TESTS_WORK_DIR "${CMAKE_CURRENT_BINARY_DIR}/c_tests_work")
file(MAKE_DIRECTORY "${OVMS_TESTS_WORK_DIR}")

# The venv's OpenVINO libs dir, for test_runtime_loading (it needs the C++ libopenvino.so beside
# the C library). The same venv the library is built to search: $OVMS_SETUP_VENV, else .venv.
if(DEFINED ENV{OVMS_SETUP_VENV} AND NOT "$ENV{OVMS_SETUP_VENV}" STREQUAL "")
  set(_ovms_tests_venv "$ENV{OVMS_SETUP_VENV}")
else()
  set(_ovms_tests_venv "${CMAKE_CURRENT_SOURCE_DIR}/.venv")
endif()
file(GLOB _ovms_tests_c_libs "${_ovms_tests_venv}/lib/python3*/site-packages/openvino/libs/libopenvino_c.so.*")
set(OVMS_TESTS_OPENVINO_LIBS_DIR "")
if(_ovms_tests_c_libs)
  list(GET _ovms_tests_c_libs 0 _ovms_tests_c_lib)
  get_filename_component(OVMS_TESTS_OPENVINO_LIBS_DIR "${_ovms_tests_c_lib}" DIRECTORY)
endif()

if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  set(OVMS_TESTS_WARNINGS -Wall -Wextra -Wno-unused-parameter)
endif()

# ovms_c_test(<name> [TIMEOUT <seconds>]): c_tests/<name>.c as an executable and a ctest.
function(ovms_c_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} "${OVMS_TESTS_DIR}/${name}.c")
  target_link_libraries(${name} PRIVATE ovms_shared::ovms_shared Threads::Threads m)
  target_compile_definitions(${name} PRIVATE
    "OVMS_TEST_CONFIG_DIR=\"${OVMS_TESTS_CONFIG_DIR}\""
    "OVMS_TEST_MODELS_DIR=\"${OVMS_TESTS_MODELS_DIR}\""
    "OVMS_TEST_WORK_DIR=\"${OVMS_TESTS_WORK_DIR}\""
    "OVMS_TEST_OPENVINO_LIBS_DIR=\"${OVMS_TESTS_OPENVINO_LIBS_DIR}\""
    _GNU_SOURCE)
  target_compile_options(${name} PRIVATE ${OVMS_TESTS_WARNINGS})
  set_target_properties(${name} PROPERTIES
    C_STANDARD 11
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF
    BUILD_RPATH "${OVMS_SHARED_LIB_DIR}"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/c_tests")
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY "${OVMS_TESTS_WORK_DIR}")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "c_api")
endfunction()

ovms_c_test(test_status_settings TIMEOUT 30)
ovms_c_test(test_request TIMEOUT 30)
ovms_c_test(test_server_lifecycle)
ovms_c_test(test_metadata)
ovms_c_test(test_inference)
ovms_c_test(test_request_validation)
ovms_c_test(test_async)
ovms_c_test(test_concurrency)
ovms_c_test(test_runtime_loading TIMEOUT 60)

# ovms_cxx_test(<name> [TIMEOUT <seconds>]): c_tests/<name>.cpp (C++17) as an executable and a
# ctest, for tests that need C++ types in buffers (std::string for STRING tensors).
function(ovms_cxx_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} "${OVMS_TESTS_DIR}/${name}.cpp")
  target_link_libraries(${name} PRIVATE ovms_shared::ovms_shared Threads::Threads m)
  target_compile_definitions(${name} PRIVATE
    "OVMS_TEST_CONFIG_DIR=\"${OVMS_TESTS_CONFIG_DIR}\""
    "OVMS_TEST_MODELS_DIR=\"${OVMS_TESTS_MODELS_DIR}\""
    "OVMS_TEST_WORK_DIR=\"${OVMS_TESTS_WORK_DIR}\"")
  target_compile_options(${name} PRIVATE ${OVMS_TESTS_WARNINGS})
  set_target_properties(${name} PROPERTIES
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    BUILD_RPATH "${OVMS_SHARED_LIB_DIR}"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/c_tests")
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY "${OVMS_TESTS_WORK_DIR}")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "c_api")
endfunction()

# STRING tensors: arrays of libstdc++'s C++11 std::string in and out.
ovms_cxx_test(test_strings)

# ---- OVMS_ServableMetadataInfo from C++: the wheel's OpenVINO C++ headers and libopenvino.so ----
# test_metadata_info reads the returned ov::AnyMap as a C++ host does, so it needs the headers
# (and libopenvino.so.<version> for ov::Any's out-of-line functions) of the same venv the library
# is built against (build.rs builds the rt_info part from it). Not registered without them.
file(GLOB _ovms_tests_ov_headers
     "${_ovms_tests_venv}/lib/python3*/site-packages/openvino/include/openvino/core/any.hpp")
file(GLOB _ovms_tests_ov_cxx_libs "${OVMS_TESTS_OPENVINO_LIBS_DIR}/libopenvino.so.[0-9]*")
if(_ovms_tests_ov_headers AND _ovms_tests_ov_cxx_libs AND OVMS_TESTS_OPENVINO_LIBS_DIR)
  list(GET _ovms_tests_ov_headers 0 _ovms_tests_ov_header)
  get_filename_component(_ovms_tests_ov_include "${_ovms_tests_ov_header}" DIRECTORY)
  get_filename_component(_ovms_tests_ov_include "${_ovms_tests_ov_include}/../.." ABSOLUTE)
  list(GET _ovms_tests_ov_cxx_libs 0 _ovms_tests_ov_cxx_lib)
  add_executable(test_metadata_info "${OVMS_TESTS_DIR}/test_metadata_info.cpp")
  target_include_directories(test_metadata_info SYSTEM PRIVATE "${_ovms_tests_ov_include}")
  target_link_libraries(test_metadata_info PRIVATE ovms_shared::ovms_shared "${_ovms_tests_ov_cxx_lib}"
                        Threads::Threads m)
  target_compile_definitions(test_metadata_info PRIVATE
    "OVMS_TEST_CONFIG_DIR=\"${OVMS_TESTS_CONFIG_DIR}\""
    "OVMS_TEST_MODELS_DIR=\"${OVMS_TESTS_MODELS_DIR}\"")
  target_compile_options(test_metadata_info PRIVATE ${OVMS_TESTS_WARNINGS})
  set_target_properties(test_metadata_info PROPERTIES
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    BUILD_RPATH "${OVMS_SHARED_LIB_DIR};${OVMS_TESTS_OPENVINO_LIBS_DIR}"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/c_tests")
  add_test(NAME test_metadata_info COMMAND test_metadata_info WORKING_DIRECTORY "${OVMS_TESTS_WORK_DIR}")
  set_tests_properties(test_metadata_info PROPERTIES TIMEOUT 60 LABELS "c_api")
  # Under valgrind a map the metadata's delete does not free is a definite leak.
  find_program(VALGRIND_EXECUTABLE valgrind)
  if(VALGRIND_EXECUTABLE)
    add_test(NAME test_metadata_info_memcheck
      COMMAND "${VALGRIND_EXECUTABLE}" --error-exitcode=99 --leak-check=full
              --errors-for-leak-kinds=definite
              "--suppressions=${OVMS_TESTS_DIR}/async/valgrind.supp" --num-callers=40
              $<TARGET_FILE:test_metadata_info>
      WORKING_DIRECTORY "${OVMS_TESTS_WORK_DIR}")
    set_tests_properties(test_metadata_info_memcheck PROPERTIES TIMEOUT 600 LABELS "c_api;valgrind")
  endif()
  message(STATUS "ovms_shared tests: test_metadata_info against ${_ovms_tests_ov_include}")
else()
  message(STATUS "ovms_shared tests: test_metadata_info not registered: no OpenVINO C++ headers in "
                 "${_ovms_tests_venv}/lib/python3*/site-packages/openvino/include")
endif()

# ---- ABI: the 66 prototypes, enum values and version macros, as C and as C++ ------------------
add_executable(abi_compat_c "${OVMS_TESTS_DIR}/abi_compat.c")
add_executable(abi_compat_cxx "${OVMS_TESTS_DIR}/abi_compat.cpp")
foreach(t abi_compat_c abi_compat_cxx)
  target_link_libraries(${t} PRIVATE ovms_shared::ovms_shared)
  target_compile_options(${t} PRIVATE ${OVMS_TESTS_WARNINGS})
  set_target_properties(${t} PROPERTIES
    C_STANDARD 11
    C_STANDARD_REQUIRED ON
    CXX_STANDARD 11
    CXX_STANDARD_REQUIRED ON
    BUILD_RPATH "${OVMS_SHARED_LIB_DIR}"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/c_tests")
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES TIMEOUT 30 LABELS "abi")
endforeach()

# OVMS's header spells its types with tags (struct OVMS_Server_, enum OVMS_DataType_enum, ...);
# host code that names a tag must compile against this header too. A compile-only test, so a
# mismatch fails this test instead of the whole build.
add_test(NAME abi_type_tags
  COMMAND "${CMAKE_C_COMPILER}" -std=c11 -fsyntax-only -Werror
          "-I${OVMS_SHARED_INCLUDE_DIR}" "${OVMS_TESTS_DIR}/abi_type_tags.c")
set_tests_properties(abi_type_tags PROPERTIES TIMEOUT 30 LABELS "abi")

# Every one of the 66 functions of ovms.h 1.3 is exported by the library.
if(NOT CMAKE_NM)
  find_program(CMAKE_NM nm)
endif()
add_test(NAME exported_symbols
  COMMAND "${CMAKE_COMMAND}" "-DNM=${CMAKE_NM}" "-DLIBRARY=${OVMS_SHARED_LIBRARY}"
          "-DSYMBOLS=${OVMS_TESTS_DIR}/ovms_symbols.txt"
          -P "${CMAKE_CURRENT_SOURCE_DIR}/cmake/check_exports.cmake")
set_tests_properties(exported_symbols PROPERTIES TIMEOUT 30 LABELS "abi")

# ---- the installed package works with find_package ---------------------------------------
add_test(NAME package_find_package
  COMMAND "${CMAKE_COMMAND}"
          "-DBUILD_DIR=${CMAKE_CURRENT_BINARY_DIR}"
          "-DPREFIX=${CMAKE_CURRENT_BINARY_DIR}/package_test/prefix"
          "-DCONSUMER_SOURCE=${OVMS_TESTS_DIR}/package_consumer"
          "-DCONSUMER_BUILD=${CMAKE_CURRENT_BINARY_DIR}/package_test/consumer"
          "-DC_COMPILER=${CMAKE_C_COMPILER}"
          "-DGENERATOR=${CMAKE_GENERATOR}"
          "-DREADELF=${CMAKE_READELF}"
          -P "${CMAKE_CURRENT_SOURCE_DIR}/cmake/test_package.cmake")
set_tests_properties(package_find_package PROPERTIES TIMEOUT 120 LABELS "package")

# ---- the example host runs against the bundled config -----------------------------------
if(TARGET minimal_app AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/examples/config.json")
  add_test(NAME example_minimal_app
    COMMAND minimal_app "${CMAKE_CURRENT_SOURCE_DIR}/examples/config.json")
  set_tests_properties(example_minimal_app PROPERTIES TIMEOUT 60 LABELS "example")
endif()
