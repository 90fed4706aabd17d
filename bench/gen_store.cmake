# bench/gen_store, the synthetic store generator. Included from bench/ (benchmarks) and
# from tests/ (its own integration test), whichever comes first.
add_executable(gen_store
  ${PROJECT_SOURCE_DIR}/bench/gen_store.c
  ${PROJECT_SOURCE_DIR}/bench/gen_doc.c
  ${PROJECT_SOURCE_DIR}/bench/gen_emit.c
  ${PROJECT_SOURCE_DIR}/bench/gen_tree.c)
target_link_libraries(gen_store PRIVATE dq_core PkgConfig::ZLIB m)
set_target_properties(gen_store PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
