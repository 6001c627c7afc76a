# Layers enforced by the build (docs/architecture.md). Sources include headers as "folder/file.h".
# No target sees the repository root: each library's include directory is a folder of its own in
# the build tree that holds one link, to the library's source folder (or to the listed headers
# only). A library sees a header of another folder only through the include directories of the
# libraries it links (PUBLIC, transitively), so an include of a higher layer does not compile.
# tests/layers/ shows it.

# tlbsim_layer(TARGET FOLDER [HEADERS file...]): TARGET's headers are FOLDER/, all of it, or
# only the HEADERS when FOLDER holds more than one library.
function(tlbsim_layer target folder)
  cmake_parse_arguments(L "" "" "HEADERS" ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/layers/${target})
  file(REMOVE_RECURSE ${root})
  if(L_HEADERS)
    file(MAKE_DIRECTORY ${root}/${folder})
    foreach(h ${L_HEADERS})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder}/${h} ${root}/${folder}/${h} SYMBOLIC)
    endforeach()
  else()
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC ${root})
endfunction()
