#include "naervaer/projections/binary.h"

#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "naervaer/projections/calendar.h"
#include "naervaer/projections/decode.h"

namespace naervaer {

namespace {

// The binary form stores enums by value: these values are part of it.
static_assert(static_cast<int>(EventType::kUnitRegistered) == 0 && static_cast<int>(EventType::kFollowupRecorded) == 8);
static_assert(static_cast<int>(AbsenceKind::kSelfCertified) == 0 &&
              static_cast<int>(AbsenceKind::kDoctorCertified) == 1);
static_assert(static_cast<int>(FollowupStep::kFollowupPlan) == 0 &&
              static_cast<int>(FollowupStep::kDialogueMeeting2) == 3);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }

  void varint(std::uint64_t v) {  // built on the stack, appended once (not a byte at a time)
    std::array<char, 10> bytes{};
    std::size_t n = 0;
    while (v >= 0x80) {
      bytes[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    bytes[n++] = static_cast<char>(v);
    out_.append(bytes.data(), n);
  }

  void integer(std::int64_t v) {  // zigzag: small negative numbers stay short
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }

  void string(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }

  void date(Date d) { integer(d.days()); }

  template <class T>
  void optional(const std::optional<T>& v) {
    byte(v ? 1 : 0);
    if (v) value(*v);
  }

  void value(const std::string& s) { string(s); }
  void value(Date d) { date(d); }
  void value(Hundredths h) { integer(h); }

 private:
  std::string& out_;
};

// Every read checks the bounds; the first failure sticks, and the result is then discarded.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == in_.size(); }

  std::uint8_t byte() {
    if (pos_ >= in_.size()) return fail();
    return static_cast<std::uint8_t>(in_[pos_++]);
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      if (!ok_) return 0;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail();
  }

  std::int64_t integer() {
    const std::uint64_t z = varint();
    return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1);
  }

  std::int32_t int32() {
    const std::int64_t v = integer();
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
      fail();
      return 0;
    }
    return static_cast<std::int32_t>(v);
  }

  std::string string() {
    const std::uint64_t n = varint();
    if (!ok_ || n > in_.size() - pos_) {
      fail();
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  Date date() { return Date(int32()); }

  // An enum of `count` values.
  template <class E>
  E enumerator(std::uint8_t count) {
    const std::uint8_t b = byte();
    if (b >= count) {
      fail();
      return E{};
    }
    return static_cast<E>(b);
  }

  template <class T>
  std::optional<T> optional() {
    const std::uint8_t present = byte();
    if (present > 1) fail();
    if (present != 1) return std::nullopt;
    if constexpr (std::is_same_v<T, std::string>) {
      return string();
    } else if constexpr (std::is_same_v<T, Date>) {
      return date();
    } else {
      return int32();
    }
  }

 private:
  std::uint8_t fail() noexcept {  // returns the value a failed read gives
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void write_body(Writer& w, const UnitRegistered& e) {
  w.string(e.unit);
  w.string(e.name);
  w.optional(e.parent);
}
void write_body(Writer& w, const TargetSet& e) {
  w.string(e.unit);
  w.integer(e.year);
  w.integer(e.attendance_target);
  w.optional(e.absence_threshold);
}
void write_body(Writer& w, const EmploymentSet& e) {
  w.string(e.employee);
  w.string(e.employment_id);
  w.string(e.unit);
  w.date(e.from);
  w.optional(e.to);
  w.integer(e.fte);
}
void write_body(Writer& w, const EmploymentCancelled& e) {
  w.string(e.employee);
  w.string(e.employment_id);
}
void write_body(Writer& w, const AbsenceSet& e) {
  w.string(e.employee);
  w.string(e.absence_id);
  w.byte(static_cast<std::uint8_t>(e.kind));
  w.date(e.from);
  w.optional(e.to);
  w.integer(e.grade);
  w.optional(e.employment_id);
}
void write_body(Writer& w, const AbsenceCancelled& e) {
  w.string(e.employee);
  w.string(e.absence_id);
}
void write_body(Writer& w, const MeasureSet& e) {
  w.string(e.measure_id);
  w.varint(e.units.size());
  for (const std::string& u : e.units) w.string(u);
  w.string(e.name);
  w.optional(e.category);
  w.date(e.from);
  w.optional(e.to);
}
void write_body(Writer& w, const MeasureCancelled& e) {
  w.string(e.measure_id);
}
void write_body(Writer& w, const FollowupRecorded& e) {
  w.string(e.employee);
  w.byte(static_cast<std::uint8_t>(e.step));
  w.date(e.date);
}

EventBody read_body(Reader& r, EventType type) {
  switch (type) {
    case EventType::kUnitRegistered: {
      UnitRegistered e;
      e.unit = r.string();
      e.name = r.string();
      e.parent = r.optional<std::string>();
      return e;
    }
    case EventType::kTargetSet: {
      TargetSet e;
      e.unit = r.string();
      e.year = r.int32();
      e.attendance_target = r.int32();
      e.absence_threshold = r.optional<Hundredths>();
      return e;
    }
    case EventType::kEmploymentSet: {
      EmploymentSet e;
      e.employee = r.string();
      e.employment_id = r.string();
      e.unit = r.string();
      e.from = r.date();
      e.to = r.optional<Date>();
      e.fte = r.int32();
      return e;
    }
    case EventType::kEmploymentCancelled: {
      EmploymentCancelled e;
      e.employee = r.string();
      e.employment_id = r.string();
      return e;
    }
    case EventType::kAbsenceSet: {
      AbsenceSet e;
      e.employee = r.string();
      e.absence_id = r.string();
      e.kind = r.enumerator<AbsenceKind>(2);
      e.from = r.date();
      e.to = r.optional<Date>();
      e.grade = r.int32();
      e.employment_id = r.optional<std::string>();
      return e;
    }
    case EventType::kAbsenceCancelled: {
      AbsenceCancelled e;
      e.employee = r.string();
      e.absence_id = r.string();
      return e;
    }
    case EventType::kMeasureSet: {
      MeasureSet e;
      e.measure_id = r.string();
      const std::uint64_t n = r.varint();
      for (std::uint64_t i = 0; i < n && r.ok(); ++i) e.units.push_back(r.string());
      e.name = r.string();
      e.category = r.optional<std::string>();
      e.from = r.date();
      e.to = r.optional<Date>();
      return e;
    }
    case EventType::kMeasureCancelled: {
      MeasureCancelled e;
      e.measure_id = r.string();
      return e;
    }
    case EventType::kFollowupRecorded: {
      FollowupRecorded e;
      e.employee = r.string();
      e.step = r.enumerator<FollowupStep>(4);  // the four steps of DOMAIN.md §11
      e.date = r.date();
      return e;
    }
  }
  return {};
}

// What the projection's arithmetic relies on: dates within the supported calendar, `to` not
// before `from`, percents within 0-100 %. The other rules of the contract were checked when
// the event was first decoded; the journal's frames carry a checksum against damage.
bool in_range(Hundredths h) {
  return h >= 0 && h <= kFullPercent;
}
bool in_range(Date from, const std::optional<Date>& to) {
  return calendar::is_supported(from) && (!to || (calendar::is_supported(*to) && *to >= from));
}
bool plausible(const EventBody& body) {
  return std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TargetSet>) {
          return in_range(e.attendance_target) && (!e.absence_threshold || in_range(*e.absence_threshold));
        } else if constexpr (std::is_same_v<T, EmploymentSet>) {
          return in_range(e.from, e.to) && in_range(e.fte);
        } else if constexpr (std::is_same_v<T, AbsenceSet>) {
          return in_range(e.from, e.to) && in_range(e.grade);
        } else if constexpr (std::is_same_v<T, MeasureSet>) {
          return in_range(e.from, e.to);
        } else if constexpr (std::is_same_v<T, FollowupRecorded>) {
          return calendar::is_supported(e.date);
        } else {
          return true;
        }
      },
      body);
}

}  // namespace

void append_binary(const Event& e, std::string& out) {
  Writer w(out);
  w.byte(static_cast<std::uint8_t>(kBinaryEventTag));
  w.byte(static_cast<std::uint8_t>(e.type()));
  w.string(e.event_id);
  w.integer(e.recorded_at_ms);
  std::visit([&](const auto& body) { write_body(w, body); }, e.body);
}

std::optional<Event> decode_binary(std::string_view bytes) {
  Reader r(bytes);
  if (r.byte() != static_cast<std::uint8_t>(kBinaryEventTag)) return std::nullopt;
  const auto type = r.enumerator<EventType>(static_cast<std::uint8_t>(kEventTypeCount));
  Event e;
  e.event_id = r.string();
  e.recorded_at_ms = r.integer();
  if (!r.ok()) return std::nullopt;
  e.body = read_body(r, type);
  if (!r.ok() || !r.at_end() || !plausible(e.body)) return std::nullopt;
  return e;
}

std::variant<Event, Rejection> decode_stored(std::string_view bytes, EventDecoder& json) {
  if (!is_binary_event(bytes)) return json.decode(bytes);
  if (std::optional<Event> e = decode_binary(bytes)) return std::move(*e);
  return Rejection{Reason::kMalformedJson, "a damaged binary event"};
}

}  // namespace naervaer
