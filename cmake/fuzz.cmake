# The fuzz build (docs/fuzzing.md, scripts/fuzz): clang >= 16 with libFuzzer, ASan and UBSan on
# every library, so the fuzzer sees coverage and memory errors in all of tlbsim, not only in the
# harness. TLBSIM_ASAN=1 turns on sim/fiber.cpp's stack-switch annotations, as in the sanitizer
# build (cmake/sanitizers.cmake): without them ASan loses track of the fiber stacks.
if(TLBSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    message(FATAL_ERROR "TLBSIM_FUZZ needs clang >= 16 for libFuzzer "
                        "(-DCMAKE_CXX_COMPILER=clang++-16, as scripts/fuzz configures it)")
  endif()
  if(TLBSIM_SANITIZE)
    message(FATAL_ERROR "TLBSIM_FUZZ already builds with ASan and UBSan: drop TLBSIM_SANITIZE")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(TLBSIM_ASAN=1)
endif()
