# The packages every consumer of fabtwin needs; included by the top-level CMakeLists.txt and by the
# installed fabtwinConfig.cmake (which sets fabtwin_FINDING_AS_PACKAGE), so the two never disagree.

include(CMakeFindDependencyMacro)
macro(_fabtwin_require)
  if(fabtwin_FINDING_AS_PACKAGE)
    find_dependency(${ARGV})  # in a package config: reports fabtwin as not found, and returns
  else()
    find_package(${ARGV} REQUIRED)
  endif()
endmacro()

list(PREPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
_fabtwin_require(OpenMP COMPONENTS CXX)
_fabtwin_require(fabtwinFFTW)
_fabtwin_require(fabtwinCCCL 2.2)
_fabtwin_require(Eigen3 3.4 NO_MODULE)
list(POP_FRONT CMAKE_MODULE_PATH)
