#include "naervaer/projections/event.h"

#include <array>
#include <type_traits>

#include "hash.h"

namespace naervaer {

std::string_view to_string(AbsenceKind k) noexcept {
  return k == AbsenceKind::kDoctorCertified ? "doctor_certified" : "self_certified";
}

std::string_view to_string(FollowupStep s) noexcept {
  switch (s) {
    case FollowupStep::kFollowupPlan:
      return "followup_plan";
    case FollowupStep::kDialogueMeeting1:
      return "dialogue_meeting_1";
    case FollowupStep::kActivityRequirement:
      return "activity_requirement";
    case FollowupStep::kDialogueMeeting2:
      return "dialogue_meeting_2";
  }
  return "?";
}

std::string_view to_string(EventType t) noexcept {
  switch (t) {
    case EventType::kUnitRegistered:
      return "unit_registered";
    case EventType::kTargetSet:
      return "target_set";
    case EventType::kEmploymentSet:
      return "employment_set";
    case EventType::kEmploymentCancelled:
      return "employment_cancelled";
    case EventType::kAbsenceSet:
      return "absence_set";
    case EventType::kAbsenceCancelled:
      return "absence_cancelled";
    case EventType::kMeasureSet:
      return "measure_set";
    case EventType::kMeasureCancelled:
      return "measure_cancelled";
    case EventType::kFollowupRecorded:
      return "followup_recorded";
  }
  return "?";
}

std::string_view reason_code(Reason r) noexcept {
  switch (r) {
    case Reason::kMalformedJson:
      return "malformed_json";
    case Reason::kNotAnObject:
      return "not_an_object";
    case Reason::kMissingField:
      return "missing_field";
    case Reason::kWrongType:
      return "wrong_type";
    case Reason::kBadEventId:
      return "bad_event_id";
    case Reason::kUnknownType:
      return "unknown_type";
    case Reason::kBadRecordedAt:
      return "bad_recorded_at";
    case Reason::kBadIdentifier:
      return "bad_identifier";
    case Reason::kIdentityNumber:
      return "identity_number";
    case Reason::kBadDate:
      return "bad_date";
    case Reason::kEndBeforeStart:
      return "end_before_start";
    case Reason::kBadYear:
      return "bad_year";
    case Reason::kTargetOutOfRange:
      return "target_out_of_range";
    case Reason::kThresholdOutOfRange:
      return "threshold_out_of_range";
    case Reason::kFteOutOfRange:
      return "fte_out_of_range";
    case Reason::kGradeOutOfRange:
      return "grade_out_of_range";
    case Reason::kBadKind:
      return "bad_kind";
    case Reason::kBadStep:
      return "bad_step";
    case Reason::kBadUnits:
      return "bad_units";
    case Reason::kConflict:
      return "conflict";
    case Reason::kHierarchyCycle:
      return "hierarchy_cycle";
  }
  return "?";
}

std::string_view Event::entity_key() const {
  return std::visit(
      [](const auto& b) -> std::string_view {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, UnitRegistered> || std::is_same_v<T, TargetSet>) {
          return b.unit;
        } else if constexpr (std::is_same_v<T, MeasureSet> || std::is_same_v<T, MeasureCancelled>) {
          return b.measure_id;
        } else {
          return b.employee;
        }
      },
      body);
}

namespace {

// Feeds every field in declaration order; optional fields add a presence marker so that
// "absent" and "empty" never hash alike.
struct FingerprintVisitor {
  detail::Hasher& h;

  void put(const std::string& s) { h.bytes(s); }
  void put(std::int64_t v) { h.u64(static_cast<std::uint64_t>(v)); }
  void put(Date d) { put(std::int64_t{d.days()}); }
  template <class T>
  void put(const std::optional<T>& o) {
    h.u64(o.has_value() ? 1 : 0);
    if (o) put(*o);
  }

  void operator()(const UnitRegistered& b) { put(b.unit), put(b.name), put(b.parent); }
  void operator()(const TargetSet& b) {
    put(b.unit), put(std::int64_t{b.year}), put(std::int64_t{b.attendance_target});
    h.u64(b.absence_threshold ? 1 : 0);
    if (b.absence_threshold) put(std::int64_t{*b.absence_threshold});
  }
  void operator()(const EmploymentSet& b) {
    put(b.employee), put(b.employment_id), put(b.unit), put(b.from), put(b.to), put(std::int64_t{b.fte});
  }
  void operator()(const EmploymentCancelled& b) { put(b.employee), put(b.employment_id); }
  void operator()(const AbsenceSet& b) {
    put(b.employee), put(b.absence_id), put(std::int64_t{static_cast<int>(b.kind)}), put(b.from), put(b.to);
    put(std::int64_t{b.grade}), put(b.employment_id);
  }
  void operator()(const AbsenceCancelled& b) { put(b.employee), put(b.absence_id); }
  void operator()(const MeasureSet& b) {
    put(b.measure_id), put(std::int64_t(b.units.size()));
    for (const auto& u : b.units) put(u);
    put(b.name), put(b.category), put(b.from), put(b.to);
  }
  void operator()(const MeasureCancelled& b) { put(b.measure_id); }
  void operator()(const FollowupRecorded& b) {
    put(b.employee), put(std::int64_t{static_cast<int>(b.step)}), put(b.date);
  }
};

}  // namespace

std::uint64_t content_fingerprint(const Event& e) {
  detail::Hasher h(0x6e61657276616572ULL);
  h.u64(static_cast<std::uint64_t>(e.type()));
  h.u64(static_cast<std::uint64_t>(e.recorded_at_ms));
  h.bytes(e.event_id);
  std::visit(FingerprintVisitor{h}, e.body);
  return h.digest();
}

bool is_national_identity_number(std::string_view s) noexcept {
  if (s.size() != 11) return false;
  int d[11];
  for (std::size_t i = 0; i < 11; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    d[i] = s[i] - '0';
  }
  static constexpr int kW1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
  static constexpr int kW2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += kW1[i] * d[i];
  int k1 = 11 - sum % 11;
  if (k1 == 11) k1 = 0;
  if (k1 == 10 || k1 != d[9]) return false;
  sum = 0;
  for (int i = 0; i < 10; ++i) sum += kW2[i] * d[i];
  int k2 = 11 - sum % 11;
  if (k2 == 11) k2 = 0;
  return k2 != 10 && k2 == d[10];
}

// Runs of digits (ASCII or fullwidth) as people write an identity number: separated by
// single spaces, no-break spaces, '-', '.' or '/' ("010190 10208", "01.01.90 10208"), or
// inside a word ("fnr01019010208"). A run, or a part of it between separators, of exactly
// 11 digits that passes the checksum is an identity number; a longer number is not.
bool contains_national_identity_number(std::string_view text) noexcept {
  std::array<char, 11> run{};
  std::array<char, 11> part{};
  std::size_t run_n = 0, part_n = 0;  // digits so far (counted past 11: then too long)
  bool after_separator = false;
  bool found = false;
  const auto end_part = [&] {
    found = found || (part_n == 11 && is_national_identity_number(std::string_view(part.data(), 11)));
    part_n = 0;
  };
  const auto end_run = [&] {
    end_part();
    found = found || (run_n == 11 && is_national_identity_number(std::string_view(run.data(), 11)));
    run_n = 0;
    after_separator = false;
  };
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size() && !found; ++i) {
    int digit = -1;
    bool separator = false;
    const unsigned char c = byte(i);
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c == 0xEF && i + 2 < text.size() && byte(i + 1) == 0xBC && byte(i + 2) >= 0x90 && byte(i + 2) <= 0x99) {
      digit = byte(i + 2) - 0x90;  // fullwidth ０-９
      i += 2;
    } else if (c == ' ' || c == '-' || c == '.' || c == '/') {
      separator = true;
    } else if (c == 0xC2 && i + 1 < text.size() && byte(i + 1) == 0xA0) {
      separator = true;  // no-break space
      i += 1;
    } else if (c == 0xE2 && i + 2 < text.size() && byte(i + 1) == 0x80 &&
               (byte(i + 2) == 0xAF || byte(i + 2) == 0x89 || byte(i + 2) == 0x8A)) {
      separator = true;  // narrow no-break, thin and hair spaces
      i += 2;
    }
    if (digit >= 0) {
      if (after_separator) end_part();
      after_separator = false;
      if (run_n < 11) run[run_n] = static_cast<char>('0' + digit);
      if (part_n < 11) part[part_n] = static_cast<char>('0' + digit);
      ++run_n;
      ++part_n;
    } else if (separator && run_n > 0 && !after_separator) {
      after_separator = true;
    } else {
      end_run();
    }
  }
  end_run();
  return found;
}

std::string withhold_long_numbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j - i >= 11) {
      out.append("(withheld)");
      i = j;
    } else if (j > i) {
      out.append(text.substr(i, j - i));
      i = j;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace naervaer
