# Fails the build when a source file of a stage includes a header of a stage it does not
# link (src/CMakeLists.txt, tapemeasure_stage): an include that runs back up the data flow.
#   cmake -DSTAGE=rules -DALLOWED="rules;rulefile;metrics;util" -DFILES="a.cpp;b.hpp" -DSTAMP=out -P this
cmake_minimum_required(VERSION 3.25)
foreach(file IN LISTS FILES)
  file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"[a-z_]+/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([a-z_]+)/.*" "\\1" folder "${line}")
    if(NOT folder IN_LIST ALLOWED)
      message(FATAL_ERROR "${file}: includes ${folder}/, but stage '${STAGE}' links only: ${ALLOWED}. "
                          "A stage may use the stages below it in the data flow, never those above.")
    endif()
  endforeach()
endforeach()
file(WRITE "${STAMP}" "ok\n")
