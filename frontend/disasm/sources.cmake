# Sources of the Intel-syntax printer (frontend/disasm/), for frontend/CMakeLists.txt to include:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/disasm/sources.cmake)
#   target_sources(kiln_frontend PRIVATE ${KILN_FRONTEND_DISASM_SOURCES})
set(KILN_FRONTEND_DISASM_SOURCES
  "${CMAKE_CURRENT_LIST_DIR}/printer.cpp")
