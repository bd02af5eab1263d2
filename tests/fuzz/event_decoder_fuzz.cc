// The event decoder on any bytes: an Event or a Rejection, never a crash, a hang or a leak;
// an accepted event encodes and decodes again to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  naervaer::EventDecoder decoder;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = decoder.decode(bytes);
  if (const auto* e = std::get_if<naervaer::Event>(&decoded)) {
    std::string binary;
    naervaer::append_binary(*e, binary);
    const auto again = naervaer::decode_binary(binary);
    if (!again || !(*again == *e)) __builtin_trap();  // the journal must keep every field
  }
  return 0;
}
