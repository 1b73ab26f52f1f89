# SPDX-License-Identifier: MIT
# Writes a C++ source holding every migration file as a raw string, in order.
# Input: LIST (a file setting FILES, the paths named NNNN_name.sql), OUT (output path).
include(${LIST})
set(body "// Generated from backend/sql by cmake/embed_migrations.cmake. Do not edit.\n")
string(APPEND body "#include \"backend/migrations.h\"\n\nnamespace prefixd {\n\n")
string(APPEND body "const std::vector<Migration>& embedded_migrations() {\n")
string(APPEND body "  static const std::vector<Migration> kMigrations = {\n")
foreach(f IN LISTS FILES)
  get_filename_component(name ${f} NAME_WE)
  string(SUBSTRING ${name} 0 4 number)
  math(EXPR number "${number}")
  file(READ ${f} sql)
  string(APPEND body "    {${number}, \"${name}\", R\"prefixd_sql(${sql})prefixd_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return kMigrations;\n}\n\n}  // namespace prefixd\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
