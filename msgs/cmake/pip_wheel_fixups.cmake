# Fix-ups needed only when building against the ROS 2 wheels from PyPI.
#
# Those wheels were built in a manylinux container; the CMake targets they
# export hard-code that container's Python include directories, e.g.
# /opt/python/cp311-cp311/include/python3.11. Any entry under /opt/python/ is
# replaced by the local interpreter's include directories. On a ROS install
# from apt or source no target has such an entry and this function changes
# nothing.
function(promptbot_fix_wheel_include_dirs)
  get_property(_targets DIRECTORY PROPERTY IMPORTED_TARGETS)
  set(_needs_fix FALSE)
  foreach(_t IN LISTS _targets)
    get_target_property(_inc ${_t} INTERFACE_INCLUDE_DIRECTORIES)
    if(_inc AND "${_inc}" MATCHES "/opt/python/")
      set(_needs_fix TRUE)
    endif()
  endforeach()
  if(NOT _needs_fix)
    return()
  endif()
  if(CMAKE_VERSION VERSION_LESS 3.22)
    message(FATAL_ERROR "Building against ROS 2 pip wheels needs CMake >= 3.22")
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter Development NumPy)
  message(STATUS "promptbot_msgs: rewriting wheel include dirs to ${Python3_INCLUDE_DIRS};${Python3_NumPy_INCLUDE_DIRS}")
  foreach(_t IN LISTS _targets)
    get_target_property(_inc ${_t} INTERFACE_INCLUDE_DIRECTORIES)
    if(NOT _inc OR NOT "${_inc}" MATCHES "/opt/python/")
      continue()
    endif()
    set(_new "")
    foreach(_d IN LISTS _inc)
      if(_d MATCHES "/opt/python/.*numpy")
        list(APPEND _new ${Python3_NumPy_INCLUDE_DIRS})
      elseif(_d MATCHES "^/opt/python/")
        list(APPEND _new ${Python3_INCLUDE_DIRS})
      else()
        list(APPEND _new "${_d}")
      endif()
    endforeach()
    list(REMOVE_DUPLICATES _new)
    set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_new}")
  endforeach()
endfunction()
