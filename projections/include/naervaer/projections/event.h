// Event contract v1 (DOMAIN.md): the decoded, validated form of every event type.
// Plain value types, no I/O; safe to share between threads once built.
//
// Percents are carried as exact integers in hundredths of a percentage point (80 % -> 8000,
// 33.33 % -> 3333): every figure is then an exact integer sum, so an incremental result is
// bit-for-bit equal to a recomputation. Inputs with finer precision are rounded to 0.01.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "naervaer/projections/date.h"

namespace naervaer {

using Hundredths = std::int32_t;  // a percent × 100
inline constexpr Hundredths kFullPercent = 10000;

enum class AbsenceKind : std::uint8_t { kSelfCertified, kDoctorCertified };
enum class FollowupStep : std::uint8_t { kFollowupPlan, kDialogueMeeting1, kActivityRequirement, kDialogueMeeting2 };

std::string_view to_string(AbsenceKind k) noexcept;
std::string_view to_string(FollowupStep s) noexcept;

struct UnitRegistered {
  std::string unit;
  std::string name;
  std::optional<std::string> parent;  // none = root
  bool operator==(const UnitRegistered&) const = default;
};

struct TargetSet {
  std::string unit;
  int year = 0;
  Hundredths attendance_target = 0;             // 50 % .. 100 %
  std::optional<Hundredths> absence_threshold;  // 0 % .. 100 %
  bool operator==(const TargetSet&) const = default;
};

struct EmploymentSet {
  std::string employee;
  std::string employment_id;
  std::string unit;
  Date from;
  std::optional<Date> to;  // inclusive; none = open-ended
  Hundredths fte = 0;      // 0 < fte <= 100 %
  bool operator==(const EmploymentSet&) const = default;
};

struct EmploymentCancelled {
  std::string employee;
  std::string employment_id;
  bool operator==(const EmploymentCancelled&) const = default;
};

struct AbsenceSet {
  std::string employee;
  std::string absence_id;
  AbsenceKind kind = AbsenceKind::kSelfCertified;
  Date from;
  std::optional<Date> to;                    // inclusive; none = open-ended
  Hundredths grade = kFullPercent;           // doctor: 20 % .. 100 %; self: always 100 %
  std::optional<std::string> employment_id;  // none = every employment active that day
  bool operator==(const AbsenceSet&) const = default;
};

struct AbsenceCancelled {
  std::string employee;
  std::string absence_id;
  bool operator==(const AbsenceCancelled&) const = default;
};

struct MeasureSet {
  std::string measure_id;
  std::vector<std::string> units;
  std::string name;
  std::optional<std::string> category;
  Date from;
  std::optional<Date> to;
  bool operator==(const MeasureSet&) const = default;
};

struct MeasureCancelled {
  std::string measure_id;
  bool operator==(const MeasureCancelled&) const = default;
};

struct FollowupRecorded {
  std::string employee;
  FollowupStep step = FollowupStep::kFollowupPlan;
  Date date;
  bool operator==(const FollowupRecorded&) const = default;
};

// The alternatives are in the order of EventType.
using EventBody = std::variant<UnitRegistered, TargetSet, EmploymentSet, EmploymentCancelled, AbsenceSet,
                               AbsenceCancelled, MeasureSet, MeasureCancelled, FollowupRecorded>;

enum class EventType : std::uint8_t {
  kUnitRegistered,
  kTargetSet,
  kEmploymentSet,
  kEmploymentCancelled,
  kAbsenceSet,
  kAbsenceCancelled,
  kMeasureSet,
  kMeasureCancelled,
  kFollowupRecorded,
};
inline constexpr std::size_t kEventTypeCount = 9;

// The wire name ("absence_set", ...).
std::string_view to_string(EventType t) noexcept;

struct Event {
  std::string event_id;
  std::int64_t recorded_at_ms = 0;  // knowledge time, UTC milliseconds since the epoch
  EventBody body;

  [[nodiscard]] EventType type() const noexcept { return static_cast<EventType>(body.index()); }
  // The Kafka key of the contract: employee, unit or measure_id.
  [[nodiscard]] std::string_view entity_key() const;
  bool operator==(const Event&) const = default;
};

// A 64-bit hash of the event's whole decoded content (type, recorded_at and every field),
// independent of JSON formatting, key order and unknown fields. Equal events have equal
// fingerprints; a repeated event_id with another fingerprint is a conflict.
std::uint64_t content_fingerprint(const Event& e);

// Why an event was rejected. The wire names (reason_code) are stable: they are the DLQ's
// `reason` header and a metric label.
enum class Reason : std::uint8_t {
  kMalformedJson,
  kNotAnObject,
  kMissingField,
  kWrongType,
  kBadEventId,
  kUnknownType,
  kBadRecordedAt,
  kBadIdentifier,
  kIdentityNumber,
  kBadDate,
  kEndBeforeStart,
  kBadYear,
  kTargetOutOfRange,
  kThresholdOutOfRange,
  kFteOutOfRange,
  kGradeOutOfRange,
  kBadKind,
  kBadStep,
  kBadUnits,
  kConflict,
  kHierarchyCycle,
};
inline constexpr std::size_t kReasonCount = 21;
std::string_view reason_code(Reason r) noexcept;

// A rejected event is data, not an exception: the reason code and a one-line explanation
// naming the field. The detail never repeats a person identifier.
struct Rejection {
  Reason reason = Reason::kMalformedJson;
  std::string detail;
};

// Norwegian national identity number (fødselsnummer/D-number): 11 digits whose two
// mod-11 check digits are valid. Used to refuse such numbers anywhere after ingest.
bool is_national_identity_number(std::string_view s) noexcept;

// True when `text` holds an identity number anywhere: 11 digits with valid check digits,
// written as people do (with single spaces, no-break spaces, '-', '.' or '/' between
// digits, fullwidth digits, or inside a word such as "fnr01019010208"), but not as a part
// of a longer number.
bool contains_national_identity_number(std::string_view text) noexcept;

// `text` with every run of 11 or more digits replaced by "(withheld)": for messages and
// headers that could otherwise repeat a person's identity number.
std::string withhold_long_numbers(std::string_view text);

}  // namespace naervaer
