// The request target as the HTTP server reads it: percent-encoding checked, then query
// parameters and path segments decoded. Never a crash; what is encoded decodes back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size);
  const auto q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  if (naervaer::http::valid_percent_encoding(target)) {
    for (const char* name : {"known_at", "as_of", "from", "to", "year", "comparison", "unit", "month"}) {
      (void)naervaer::http::query_param(query, name);
    }
    (void)naervaer::http::percent_decode(path);
  }
  if (naervaer::http::percent_decode(naervaer::http::percent_encode(target)) != target) __builtin_trap();
  return 0;
}
