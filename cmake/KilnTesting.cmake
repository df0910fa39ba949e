# kiln_add_test(): one GoogleTest executable, registered with ctest per test case, with labels.
#
#   kiln_add_test(kiln_machine_test
#     LABELS unit                  # default "unit"; others in use: diff, long, smoke
#     SOURCES elf_image_test.cpp
#     LIBS kiln_machine            # link the smallest target the test exercises (STYLE.md C11)
#     [TIMEOUT seconds] [ARGS extra gtest arguments...] [NO_MAIN])
#
# Links GTest::gtest_main (GTest::gtest with NO_MAIN) and kiln_warnings. Tests are discovered when
# ctest runs (DISCOVERY_MODE PRE_TEST), so a build never runs a test binary. Every label also gets
# an umbrella target, `kiln_tests_<label>`, that builds just the executables carrying it:
#   cmake --build --preset release --target kiln_tests_unit && ctest --preset release -L unit
include_guard(GLOBAL)

find_package(GTest REQUIRED)
include(GoogleTest)

function(kiln_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_MAIN" "TIMEOUT" "LABELS;SOURCES;LIBS;ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_add_test(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "kiln_add_test(${name}): SOURCES is required")
  endif()
  if(NOT arg_LABELS)
    set(arg_LABELS unit)
  endif()

  add_executable(${name} ${arg_SOURCES})
  if(arg_NO_MAIN)
    set(_gtest GTest::gtest)
  else()
    set(_gtest GTest::gtest_main)
  endif()
  target_link_libraries(${name} PRIVATE ${arg_LIBS} ${_gtest} kiln_warnings)

  # gtest_discover_tests flattens list-valued properties: escape the label list.
  string(REPLACE ";" "\\;" _labels "${arg_LABELS}")
  set(_props LABELS "${_labels}")
  if(arg_TIMEOUT)
    list(APPEND _props TIMEOUT ${arg_TIMEOUT})
  endif()
  gtest_discover_tests(${name}
    EXTRA_ARGS ${arg_ARGS}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES ${_props})

  foreach(_label IN LISTS arg_LABELS)
    if(NOT TARGET kiln_tests_${_label})
      add_custom_target(kiln_tests_${_label})
    endif()
    add_dependencies(kiln_tests_${_label} ${name})
  endforeach()
endfunction()
