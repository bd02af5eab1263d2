// Decoding and validation of one event of contract v1 from its JSON text.
//
// An EventDecoder reuses its parser and buffers between calls, so it is cheap per event but
// NOT thread-safe: use one per thread.
#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "naervaer/projections/event.h"

namespace naervaer {

class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Either the valid event or the first rule it broke. Unknown fields are ignored (forward
  // compatibility); a JSON null in an optional field means the field is absent.
  [[nodiscard]] std::variant<Event, Rejection> decode(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RFC 3339 date-time with a mandatory offset ("2010-04-06T08:00:00+02:00", "...Z"),
// fractional seconds allowed; returns UTC milliseconds since the epoch.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) noexcept;

}  // namespace naervaer
