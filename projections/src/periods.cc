#include "naervaer/projections/periods.h"

namespace naervaer {

std::string_view to_string(Granularity g) noexcept {
  switch (g) {
    case Granularity::kDay:
      return "day";
    case Granularity::kMonth:
      return "month";
    case Granularity::kQuarter:
      return "quarter";
    case Granularity::kYear:
      return "year";
  }
  return "?";
}

std::optional<Granularity> parse_granularity(std::string_view s) noexcept {
  for (auto g : {Granularity::kDay, Granularity::kMonth, Granularity::kQuarter, Granularity::kYear}) {
    if (to_string(g) == s) return g;
  }
  return std::nullopt;
}

namespace {
Date month_end(int y, int m) {
  return Date::from_ymd(y, m, days_in_month(y, m));
}
}  // namespace

Period period_containing(Date d, Granularity g) noexcept {
  const YearMonthDay v = d.ymd();
  switch (g) {
    case Granularity::kDay:
      return {d, d};
    case Granularity::kMonth:
      return {Date::from_ymd(v.year, v.month, 1), month_end(v.year, v.month)};
    case Granularity::kQuarter: {
      const int first = (v.month - 1) / 3 * 3 + 1;
      return {Date::from_ymd(v.year, first, 1), month_end(v.year, first + 2)};
    }
    case Granularity::kYear:
      return {Date::from_ymd(v.year, 1, 1), Date::from_ymd(v.year, 12, 31)};
  }
  return {d, d};
}

std::vector<Period> periods_overlapping(Date from, Date to, Granularity g) {
  std::vector<Period> out;
  for (Date d = from; d <= to;) {
    const Period p = period_containing(d, g);
    out.push_back(p);
    d = p.end + 1;
  }
  return out;
}

std::string_view to_string(Window w) noexcept {
  switch (w) {
    case Window::k30d:
      return "30d";
    case Window::k90d:
      return "90d";
    case Window::k365d:
      return "365d";
    case Window::kMtd:
      return "mtd";
    case Window::kQtd:
      return "qtd";
    case Window::kYtd:
      return "ytd";
    case Window::kLastMonth:
      return "last_month";
    case Window::kLast4q:
      return "last_4q";
  }
  return "?";
}

std::optional<Window> parse_window(std::string_view s) noexcept {
  for (Window w : kAllWindows) {
    if (to_string(w) == s) return w;
  }
  return std::nullopt;
}

Period window_period(Window w, Date t) noexcept {
  switch (w) {
    case Window::k30d:
      return {t - 29, t};
    case Window::k90d:
      return {t - 89, t};
    case Window::k365d:
      return {t - 364, t};
    case Window::kMtd:
      return {period_containing(t, Granularity::kMonth).start, t};
    case Window::kQtd:
      return {period_containing(t, Granularity::kQuarter).start, t};
    case Window::kYtd:
      return {period_containing(t, Granularity::kYear).start, t};
    case Window::kLastMonth: {
      const Period m = period_containing(t, Granularity::kMonth);
      return m.end == t ? m : period_containing(m.start - 1, Granularity::kMonth);
    }
    case Window::kLast4q: {
      const Period q = period_containing(t, Granularity::kQuarter);
      const Date end = q.end == t ? q.end : q.start - 1;
      Date start = end;
      for (int i = 0; i < 4; ++i) start = period_containing(start, Granularity::kQuarter).start - 1;
      return {start + 1, end};
    }
  }
  return {t, t};
}

}  // namespace naervaer
