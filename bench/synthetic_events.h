// A realistic event mix for benchmarks: a municipality of units under sectors, employees
// with (mostly part-time) employments, short self-certified spells, doctor-certified cases
// that get extended by follow-on sick notes, late corrections, cancellations and repeats.
// Deterministic for a seed. Events are JSON lines in knowledge-time order per employee.
#pragma once

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "naervaer/projections/date.h"

namespace naervaer::bench {

struct MixStats {
  std::size_t units = 0;
  std::size_t employees = 0;
  std::size_t events = 0;
};

inline std::vector<std::string> synthetic_events(int employees, int years, std::uint32_t seed, MixStats* stats) {
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  std::vector<std::string> out;
  long seq = 0;
  char buf[512];
  char head_buf[160];
  auto head = [&](const char* type) {
    std::snprintf(head_buf, sizeof head_buf,
                  R"({"event_id":"ev-%ld","type":"%s","recorded_at":"2020-01-01T08:00:00+01:00",)", ++seq, type);
    return std::string(head_buf);
  };
  const Date start = Date::from_ymd(2026 - years, 1, 1);
  const int span = Date::from_ymd(2026, 11, 22) - start;

  const int units = std::max(5, employees / 40);
  out.push_back(head("unit_registered") + R"("unit":"K","name":"Kommune"})");
  for (int s = 0; s < 6; ++s) {
    out.push_back(head("unit_registered") + "\"unit\":\"S" + std::to_string(s) +
                  "\",\"name\":\"Sektor\",\"parent\":\"K\"}");
  }
  for (int u = 0; u < units; ++u) {
    out.push_back(head("unit_registered") + "\"unit\":\"U" + std::to_string(u) +
                  "\",\"name\":\"Enhet\",\"parent\":\"S" + std::to_string(u % 6) + "\"}");
    out.push_back(head("target_set") + "\"unit\":\"U" + std::to_string(u) +
                  "\",\"year\":2026,\"attendance_target_percent\":93.5,\"absence_threshold_percent\":6.5}");
  }
  for (int e = 0; e < employees; ++e) {
    const std::string emp = "p_" + std::to_string(1000000 + e * 7919);
    const int unit = uniform(0, units - 1);
    const int fte = chance(0.5) ? 100 : uniform(20, 95);
    const Date from = start + uniform(0, span / 3);
    std::snprintf(buf, sizeof buf, R"("employee":"%s","employment_id":"m1","unit":"U%d","from":"%s","fte_percent":%d})",
                  emp.c_str(), unit, from.iso().c_str(), fte);
    out.push_back(head("employment_set") + buf);
    if (chance(0.15)) {  // a change of fte: the old period closed, a new one opened
      const Date change = from + uniform(100, 700);
      std::snprintf(buf, sizeof buf,
                    R"("employee":"%s","employment_id":"m1","unit":"U%d","from":"%s","to":"%s","fte_percent":%d})",
                    emp.c_str(), unit, from.iso().c_str(), (change - 1).iso().c_str(), fte);
      out.push_back(head("employment_set") + buf);
      std::snprintf(buf, sizeof buf,
                    R"("employee":"%s","employment_id":"m2","unit":"U%d","from":"%s","fte_percent":%d})", emp.c_str(),
                    unit, change.iso().c_str(), std::min(100, fte + 20));
      out.push_back(head("employment_set") + buf);
    }
    // Absences: about 5 short spells a year and one doctor case in three years, some long.
    int a = 0;
    for (Date d = from + uniform(0, 60); d < start + span; d = d + uniform(20, 120)) {
      const std::string id = "a" + std::to_string(++a);
      if (chance(0.85)) {
        std::snprintf(buf, sizeof buf,
                      R"("employee":"%s","absence_id":"%s","kind":"self_certified","from":"%s","to":"%s"})",
                      emp.c_str(), id.c_str(), d.iso().c_str(), (d + uniform(0, 3)).iso().c_str());
        out.push_back(head("absence_set") + buf);
      } else {
        int len = chance(0.7) ? uniform(5, 20) : uniform(30, 250);
        const int grade = chance(0.7) ? 100 : 50;
        std::snprintf(
            buf, sizeof buf,
            R"("employee":"%s","absence_id":"%s","kind":"doctor_certified","from":"%s","to":"%s","grade_percent":%d})",
            emp.c_str(), id.c_str(), d.iso().c_str(), (d + len - 1).iso().c_str(), grade);
        out.push_back(head("absence_set") + buf);
        if (chance(0.5)) {  // a follow-on sick note extends the case
          const int more = uniform(7, 60);
          std::snprintf(
              buf, sizeof buf,
              R"("employee":"%s","absence_id":"%s-2","kind":"doctor_certified","from":"%s","to":"%s","grade_percent":%d})",
              emp.c_str(), id.c_str(), (d + len).iso().c_str(), (d + len + more - 1).iso().c_str(), grade);
          out.push_back(head("absence_set") + buf);
          len += more;
        }
        d = d + len;
      }
      if (chance(0.02)) {
        std::snprintf(buf, sizeof buf, R"("employee":"%s","absence_id":"%s"})", emp.c_str(), id.c_str());
        out.push_back(head("absence_cancelled") + buf);
      }
      if (chance(0.03)) out.push_back(out.back());  // a repeat: a duplicate
    }
  }
  if (stats) *stats = MixStats{static_cast<std::size_t>(units + 7), static_cast<std::size_t>(employees), out.size()};
  return out;
}

}  // namespace naervaer::bench
