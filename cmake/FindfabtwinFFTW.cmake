# Finds FFTW3 in single and double precision with its OpenMP threading library, and defines the
# imported target fabtwin::fftw. Debian's own FFTW3Config.cmake covers only double precision and
# names files the package does not ship, so fabtwin looks for the libraries itself.
#
# Hints: FFTW_ROOT (CMake or environment variable).
# fabtwin needs FFTW 3.3.9 or newer: its host plans run FFTW's thread jobs through
# fftw_threads_set_callback (fft/fftw.hpp), which keeps results independent of the thread count.

find_path(fabtwinFFTW_INCLUDE_DIR fftw3.h HINTS ${FFTW_ROOT} ENV FFTW_ROOT PATH_SUFFIXES include)
set(_fabtwin_fftw_libraries "")
set(_fabtwin_fftw_required_vars fabtwinFFTW_INCLUDE_DIR)
foreach(_lib fftw3f_omp fftw3f fftw3_omp fftw3)
  find_library(fabtwinFFTW_${_lib}_LIBRARY ${_lib} HINTS ${FFTW_ROOT} ENV FFTW_ROOT
               PATH_SUFFIXES lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE})
  list(APPEND _fabtwin_fftw_libraries ${fabtwinFFTW_${_lib}_LIBRARY})
  list(APPEND _fabtwin_fftw_required_vars fabtwinFFTW_${_lib}_LIBRARY)
endforeach()

set(fabtwinFFTW_HAS_THREADS_CALLBACK FALSE)
if(fabtwinFFTW_INCLUDE_DIR)
  file(STRINGS "${fabtwinFFTW_INCLUDE_DIR}/fftw3.h" _fabtwin_fftw_callback REGEX "threads_set_callback")
  if(_fabtwin_fftw_callback)
    set(fabtwinFFTW_HAS_THREADS_CALLBACK TRUE)
  endif()
endif()
list(APPEND _fabtwin_fftw_required_vars fabtwinFFTW_HAS_THREADS_CALLBACK)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(fabtwinFFTW
  REQUIRED_VARS ${_fabtwin_fftw_required_vars}
  REASON_FAILURE_MESSAGE "install Debian's libfftw3-dev, FFTW 3.3.9 or newer with fftw_threads_set_callback (scripts/install-deps.sh does), or set FFTW_ROOT")

if(fabtwinFFTW_FOUND AND NOT TARGET fabtwin::fftw)
  add_library(fabtwin::fftw INTERFACE IMPORTED)
  set_target_properties(fabtwin::fftw PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${fabtwinFFTW_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${_fabtwin_fftw_libraries}")
endif()
mark_as_advanced(fabtwinFFTW_INCLUDE_DIR)
