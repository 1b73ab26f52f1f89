# SPDX-License-Identifier: MIT
# Builds a manual page: the prose of man/NAME.in around the lists the binary
# prints from its own tables (prefixd --print-man-page=KIND).
# cmake -DPREFIXD=… -DKIND=command|config -DTEMPLATE=… -DOUT=… -DVERSION=… -P man_page.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${PREFIXD} --print-man-page=${KIND}
                OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PREFIXD} --print-man-page=${KIND} failed: ${rc}")
endif()
file(READ ${TEMPLATE} page)
string(REPLACE "@GENERATED@\n" "${generated}" page "${page}")
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
