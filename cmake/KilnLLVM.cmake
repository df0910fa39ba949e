# kiln_link_llvm(): the one way a Kiln target uses LLVM (shared libLLVM, PRIVATE, SYSTEM headers).
#
# Only jit/ calls this (ARCHITECTURE.md: LLVM headers stay inside the JIT library). The shared
# `LLVM` target links in ~0.15 s with lld, against ~1 s for the static component libraries, and
# -Wl,--as-needed keeps libLLVM out of binaries that do not use it (TOOLCHAIN.md).
include_guard(GLOBAL)

function(kiln_link_llvm target)
  if(NOT KILN_WITH_LLVM)
    message(FATAL_ERROR "${target} needs LLVM: configure with -DKILN_WITH_LLVM=ON")
  endif()
  if(NOT TARGET LLVM)
    message(FATAL_ERROR "LLVM ${LLVM_PACKAGE_VERSION} provides no shared `LLVM` target")
  endif()
  target_include_directories(${target} SYSTEM PRIVATE ${LLVM_INCLUDE_DIRS})
  separate_arguments(_kiln_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
  target_compile_definitions(${target} PRIVATE ${_kiln_llvm_defs})
  target_link_libraries(${target} PRIVATE LLVM)
endfunction()
