// The journal's binary event decoder on any bytes (a damaged state directory): an event
// the projection can take, or nothing; never a crash. What it accepts encodes to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (const auto e = naervaer::decode_binary(bytes)) {
    std::string again;
    naervaer::append_binary(*e, again);
    const auto twice = naervaer::decode_binary(again);
    if (!twice || !(*twice == *e)) __builtin_trap();
  }
  naervaer::EventDecoder json;
  (void)naervaer::decode_stored(bytes, json);  // binary or (older journals) JSON
  return 0;
}
