# One INTERFACE target carries the language standard, warnings and sanitizer flags;
# every steadystate target links it PRIVATE-ly (or PUBLIC-ly for tests).
add_library(steadystate_settings INTERFACE)
add_library(steadystate::settings ALIAS steadystate_settings)
target_compile_features(steadystate_settings INTERFACE cxx_std_20)
target_include_directories(steadystate_settings INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_options(steadystate_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 at -O3 reports -Wrestrict inside std::string for `"literal" + str` (GCC bug
# 105329, a false positive that floods the build); it is off for GCC.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(steadystate_settings INTERFACE -Wno-restrict)
endif()
if(STEADYSTATE_WERROR)
  target_compile_options(steadystate_settings INTERFACE -Werror)
endif()
if(STEADYSTATE_SANITIZE)
  target_compile_options(steadystate_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(steadystate_settings INTERFACE -fsanitize=address,undefined)
endif()
# Every library is instrumented for libFuzzer's coverage; only the fuzz executables link the
# libFuzzer runtime (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
if(STEADYSTATE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STEADYSTATE_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++-14)")
  endif()
  target_compile_options(steadystate_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  target_link_options(steadystate_settings INTERFACE -fsanitize=address,undefined)
endif()

# steadystate_module(NAME SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Builds steadystate_NAME with alias steadystate::NAME.
function(steadystate_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(steadystate_${name} STATIC ${ARG_SOURCES})
  add_library(steadystate::${name} ALIAS steadystate_${name})
  target_link_libraries(steadystate_${name}
    PUBLIC steadystate::settings ${ARG_PUBLIC_DEPS}
    PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# steadystate_test(NAME [RUN_SERIAL] SOURCES ... DEPS ...): a GoogleTest binary whose TESTs
# each become a ctest test; RUN_SERIAL ones run alone.
function(steadystate_test name)
  if(NOT STEADYSTATE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "RUN_SERIAL" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE steadystate::settings ${ARG_DEPS}
    GTest::gmock GTest::gtest_main)
  if(ARG_RUN_SERIAL)
    gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES RUN_SERIAL TRUE)
  else()
    gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST)
  endif()
endfunction()
