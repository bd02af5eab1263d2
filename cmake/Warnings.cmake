# One INTERFACE target carries the warning flags; every naervaer target links it PRIVATE,
# so no directory-wide flags leak into third-party code or into users of our libraries.
add_library(naervaer_warnings INTERFACE)
add_library(naervaer::warnings ALIAS naervaer_warnings)
target_compile_options(naervaer_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${NAERVAER_WARNINGS_AS_ERRORS}>:-Werror>)
