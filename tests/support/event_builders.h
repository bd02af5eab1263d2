// Test helpers: build contract-v1 events directly (no JSON), each with a fresh event_id.
#pragma once

#include <optional>
#include <string>

#include "naervaer/projections/event.h"

namespace naervaer::testing {

inline Date day(const char* iso) {
  return *Date::parse_iso(iso);
}

inline Hundredths pct(double p) {
  return static_cast<Hundredths>(p * 100.0 + 0.5);
}

class EventFactory {
 public:
  Event make(EventBody body) {
    Event e;
    e.event_id = "ev-" + std::to_string(++seq_);
    e.recorded_at_ms = 1262304000000LL + seq_;
    e.body = std::move(body);
    return e;
  }

  Event unit(std::string id, std::optional<std::string> parent = {}, std::string name = "") {
    if (name.empty()) name = "Unit " + id;
    return make(UnitRegistered{std::move(id), std::move(name), std::move(parent)});
  }
  Event target(std::string unit, int year, double target, std::optional<double> threshold = {}) {
    return make(TargetSet{std::move(unit), year, pct(target),
                          threshold ? std::optional<Hundredths>(pct(*threshold)) : std::nullopt});
  }
  Event employment(std::string employee, std::string id, std::string unit, const char* from, double fte,
                   const char* to = nullptr) {
    return make(EmploymentSet{std::move(employee), std::move(id), std::move(unit), day(from),
                              to ? std::optional<Date>(day(to)) : std::nullopt, pct(fte)});
  }
  Event cancel_employment(std::string employee, std::string id) {
    return make(EmploymentCancelled{std::move(employee), std::move(id)});
  }
  Event self_certified(std::string employee, std::string id, const char* from, const char* to) {
    return make(AbsenceSet{std::move(employee), std::move(id), AbsenceKind::kSelfCertified, day(from),
                           to ? std::optional<Date>(day(to)) : std::nullopt, kFullPercent, std::nullopt});
  }
  Event doctor(std::string employee, std::string id, const char* from, const char* to, double grade = 100,
               std::optional<std::string> employment = {}) {
    return make(AbsenceSet{std::move(employee), std::move(id), AbsenceKind::kDoctorCertified, day(from),
                           to ? std::optional<Date>(day(to)) : std::nullopt, pct(grade), std::move(employment)});
  }
  Event cancel_absence(std::string employee, std::string id) {
    return make(AbsenceCancelled{std::move(employee), std::move(id)});
  }

 private:
  long seq_ = 0;
};

}  // namespace naervaer::testing
