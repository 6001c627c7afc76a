# Warnings are errors everywhere in the project's own code.
function(tlbsim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Werror)
  # GCC 12 at -O3 (CMake's Release) reports a false -Wrestrict inside libstdc++ for
  # `"literal" + std::string` (a known GCC 12 false positive, cf. GCC bug 105329); it would break
  # Release builds.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
