# cmake -DSOURCE=<file> -DDESTINATION=<file> -P stage.cmake
# Copies SOURCE to DESTINATION when they differ, through a temporary file and a rename, so a
# reader of DESTINATION never sees a half-written library.
if(NOT EXISTS "${SOURCE}")
  message(FATAL_ERROR "stage.cmake: ${SOURCE} does not exist")
endif()
if(EXISTS "${DESTINATION}")
  file(SHA256 "${SOURCE}" _source_hash)
  file(SHA256 "${DESTINATION}" _destination_hash)
  if(_source_hash STREQUAL _destination_hash)
    return()
  endif()
endif()
set(_temporary "${DESTINATION}.tmp")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${SOURCE}" "${_temporary}" RESULT_VARIABLE _copied)
if(NOT _copied EQUAL 0)
  message(FATAL_ERROR "stage.cmake: copying ${SOURCE} failed")
endif()
file(RENAME "${_temporary}" "${DESTINATION}")
