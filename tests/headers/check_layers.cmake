# The layer rule of docs/architecture.md, checked on the headers themselves:
#   core < exec < fft < io < layout < optics, thermal < resist < etch < metrology < twin
# a header includes only headers of its own layer and of layers below it (optics and thermal side
# by side: neither includes the other); and the umbrellas: fabtwin/<layer>.hpp includes every header
# directly in include/fabtwin/<layer>/ (detail/ folders are reached through them), and
# fabtwin/fabtwin.hpp includes every layer's umbrella. Run as
#   cmake -DINCLUDE_DIR=<repo>/include -P check_layers.cmake
# Left out of the umbrellas on purpose, as fabtwin.hpp says: fft/reference_dft.hpp (a plain DFT for
# tests only), fft/plan_cuda.hpp (it needs nvcc; fft/plan.hpp includes it in units nvcc compiles),
# dist/mpi.hpp (it needs MPI) and dist/nccl.hpp (it needs nvcc and NCCL).
cmake_minimum_required(VERSION 3.25)
set(order core exec fft io layout "optics thermal" resist etch metrology twin dist)
set(left_out fabtwin/fft/reference_dft.hpp fabtwin/fft/plan_cuda.hpp fabtwin/dist/mpi.hpp
             fabtwin/dist/nccl.hpp)
set(root ${INCLUDE_DIR}/fabtwin)
if(NOT IS_DIRECTORY "${root}")
  message(FATAL_ERROR "check_layers: no folder '${root}'; pass -DINCLUDE_DIR=<repo>/include")
endif()

set(rank 0)
foreach(step IN LISTS order)
  string(REPLACE " " ";" step "${step}")
  foreach(layer IN LISTS step)
    set(rank_${layer} ${rank})
  endforeach()
  math(EXPR rank "${rank} + 1")
endforeach()

set(problems)
file(READ ${root}/fabtwin.hpp everything)
file(GLOB layers LIST_DIRECTORIES true RELATIVE ${root} ${root}/*)
set(count 0)
foreach(layer IN LISTS layers)
  if(NOT IS_DIRECTORY ${root}/${layer})
    continue()
  endif()
  math(EXPR count "${count} + 1")
  if(NOT DEFINED rank_${layer})
    list(APPEND problems
         "layer ${layer}/ has no place in the order (give it one here and in docs/architecture.md)")
    continue()
  endif()

  # The layer rule, on every header of the layer, detail/ folders included.
  file(GLOB_RECURSE headers RELATIVE ${INCLUDE_DIR} ${root}/${layer}/*.hpp)
  foreach(header IN LISTS headers)
    file(STRINGS ${INCLUDE_DIR}/${header} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"fabtwin/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE ".*\"fabtwin/([a-z_]+)/.*" "\\1" used "${line}")
      if(used STREQUAL layer)
        continue()
      endif()
      if(NOT DEFINED rank_${used} OR NOT rank_${used} LESS rank_${layer})
        list(APPEND problems "${header} includes ${used}/, which is not below ${layer}/")
      endif()
    endforeach()
  endforeach()

  # The umbrellas.
  if(NOT EXISTS ${root}/${layer}.hpp)
    list(APPEND problems "no fabtwin/${layer}.hpp (the umbrella of layer ${layer}/)")
    continue()
  endif()
  string(FIND "${everything}" "#include \"fabtwin/${layer}.hpp\"" at)
  if(at EQUAL -1)
    list(APPEND problems "fabtwin/fabtwin.hpp does not include fabtwin/${layer}.hpp")
  endif()
  file(READ ${root}/${layer}.hpp umbrella)
  file(GLOB headers RELATIVE ${INCLUDE_DIR} ${root}/${layer}/*.hpp)
  foreach(header IN LISTS headers)
    if(header IN_LIST left_out)
      continue()
    endif()
    string(FIND "${umbrella}" "#include \"${header}\"" at)
    if(at EQUAL -1)
      list(APPEND problems "fabtwin/${layer}.hpp does not include ${header}")
    endif()
  endforeach()
endforeach()
if(problems)
  list(JOIN problems "\n  " listed)
  message(FATAL_ERROR "fabtwin headers:\n  ${listed}\nexpected each header to include only its own "
                      "layer and those below, every header in its layer's umbrella, and every "
                      "umbrella in fabtwin/fabtwin.hpp")
endif()
message(STATUS "fabtwin headers: ${count} layers in order, every header in its umbrella")
