#include "evaluation_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace naervaer::report {

using evaluation::Effect;
using evaluation::Part;

namespace {

// "4.4": one decimal, never "-0.0".
std::string one_decimal(double v) {
  char buf[32];
  const double r = std::round(v * 10) / 10;
  std::snprintf(buf, sizeof buf, "%.1f", r == 0 ? 0.0 : r);
  return buf;
}

// A signed figure as people write it: "−1.2" with a real minus sign.
std::string signed_decimal(double v) {
  const std::string s = one_decimal(v);
  return s.front() == '-' ? "\u2212" + s.substr(1) : s;
}

// About how many: two significant digits ("about 990", "about 12,000").
std::string about(double v) {
  v = std::abs(v);
  if (v < 1) return "under 1";
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)) - 1);
  const auto rounded = static_cast<long long>(std::round(v / std::max(1.0, magnitude)) * std::max(1.0, magnitude));
  std::string digits = std::to_string(rounded);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

std::string part_label(Part p) {
  switch (p) {
    case Part::kTotal:
      return "All absence";
    case Part::kShortTerm:
      return "Short-term (1\u201316 days)";
    case Part::kLongTerm:
      return "Long-term (17 days or more)";
    case Part::kSelfCertified:
      return "Self-certified";
    case Part::kDoctorCertified:
      return "Doctor-certified";
  }
  return "?";
}

const std::optional<Effect>& total_effect(const Evaluation& e) {
  return e.effects[static_cast<std::size_t>(Part::kTotal)];
}

std::string units_text(const Projection& p, const std::vector<UnitId>& units) {
  std::string out;
  for (UnitId u : units) {
    if (!out.empty()) out += ", ";
    out += p.unit(u).name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string effect_in_words(const Evaluation& e) {
  const Verdict verdict = e.verdict;
  const int year = e.plan.year;
  const std::optional<Effect>& total = total_effect(e);
  const std::optional<double>& workdays_avoided = e.workdays_avoided;
  switch (verdict) {
    case Verdict::kNotStarted:
      return "The measure has not started yet (or year " + std::to_string(year) +
             " of it has not begun): there is nothing to evaluate.";
    case Verdict::kMasked:
      return "Too few persons in one of the groups to show any figures: the evaluation is masked to protect their "
             "health data.";
    default:
      break;
  }
  if (!total) {
    return "No estimate: nothing was contracted in one of the periods compared, or fewer than two persons worked "
           "there.";
  }
  const evaluation::Estimate& d = total->did;
  const std::string size = one_decimal(std::abs(d.estimate));
  const std::string moved = d.estimate < 0 ? "Absence fell " + size + " percentage points more than in comparable units"
                            : d.estimate > 0
                                ? "Absence rose " + size + " percentage points more than in comparable units"
                                : "Absence changed as much as in comparable units";
  switch (verdict) {
    case Verdict::kReduced: {
      std::string s = moved + " (95 % interval " + one_decimal(-d.ci_high) + " to " + one_decimal(-d.ci_low) + ")";
      if (workdays_avoided) s += "; about " + about(*workdays_avoided) + " workdays avoided";
      return s + ".";
    }
    case Verdict::kIncreased: {
      std::string s = moved + " (95 % interval " + one_decimal(d.ci_low) + " to " + one_decimal(d.ci_high) + ")";
      if (workdays_avoided) s += "; about " + about(*workdays_avoided) + " more workdays lost";
      return s + ".";
    }
    case Verdict::kInconclusive:
      return moved + ", but that is within chance (95 % interval " + signed_decimal(d.ci_low) + " to " +
             signed_decimal(d.ci_high) +
             " points): too few persons or too short a time to tell. Only an effect of about " +
             one_decimal(total->mde) + " percentage points or more could have been seen.";
    case Verdict::kNoDetectableChange:
      return "No change beyond that in comparable units (" + signed_decimal(d.estimate) + " points, 95 % interval " +
             signed_decimal(d.ci_low) + " to " + signed_decimal(d.ci_high) + "): an effect of " +
             one_decimal(total->mde) + " percentage points or more would most likely have been seen.";
    default:
      return moved + ".";
  }
}

std::vector<std::string> warnings_in_words(const Evaluation& e) {
  std::vector<std::string> out;
  for (const std::string& w : e.warnings) {
    if (w == "parallel_trends_doubtful") {
      out.emplace_back(
          "Before the measure started, these units already developed differently from the comparison units (the "
          "same comparison one year earlier shows a difference): the comparison may not be fair.");
    } else if (w == "selected_when_high") {
      out.emplace_back(
          "The units were chosen when their absence was above the threshold. High absence often falls back by "
          "itself, so part of a fall may have come anyway.");
    } else {
      out.push_back(w);
    }
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string csv_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", *v == 0 ? 0.0 : *v);
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);  // 2.500000 -> 2.5, 3.000000 -> 3.
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(";\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string evaluations_csv(const Projection& p, const std::vector<Evaluation>& evaluations) {
  std::string out = "\xEF\xBB\xBF";  // BOM: Excel then reads UTF-8 (æ, ø, å)
  const auto row = [&out](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += ';';
      out += csv_field(fields[i]);
    }
    out += "\r\n";
  };
  row({"measure_id",
       "name",
       "category",
       "status",
       "year",
       "after_from",
       "after_to",
       "before_from",
       "before_to",
       "treated_units",
       "comparison_units",
       "verdict",
       "warnings",
       "part",
       "treated_change_pp",
       "comparison_change_pp",
       "did_pp",
       "se_pp",
       "ci_low_pp",
       "ci_high_pp",
       "mde_pp",
       "workdays_avoided",
       "in_words"});
  for (const Evaluation& e : evaluations) {
    const EvaluationPlan& plan = e.plan;
    std::string warnings;
    for (const std::string& w : e.warnings) warnings += (warnings.empty() ? "" : ",") + w;
    const auto unit_ids = [&p](const std::vector<UnitId>& units) {
      std::string s;
      for (UnitId u : units) s += (s.empty() ? "" : ",") + p.unit(u).id;
      return s;
    };
    for (Part part : evaluation::kAllParts) {
      const auto& effect = e.masked ? std::nullopt : e.effects[static_cast<std::size_t>(part)];
      const auto value = [&](auto pick) { return effect ? csv_number(pick(*effect)) : std::string(); };
      const bool total = part == Part::kTotal;
      row({plan.measure.measure_id,
           plan.measure.name,
           plan.measure.category.value_or(""),
           std::string(to_string(plan.status)),
           std::to_string(plan.year),
           plan.after ? plan.after->start.iso() : "",
           plan.after ? plan.after->end.iso() : "",
           plan.before ? plan.before->start.iso() : "",
           plan.before ? plan.before->end.iso() : "",
           unit_ids(plan.treated_units),
           unit_ids(plan.comparison_units),
           std::string(to_string(e.verdict)),
           warnings,
           std::string(evaluation::to_string(part)),
           value([](const Effect& x) { return x.treated_change.estimate; }),
           value([](const Effect& x) { return x.comparison_change.estimate; }),
           value([](const Effect& x) { return x.did.estimate; }),
           value([](const Effect& x) { return x.did.se; }),
           value([](const Effect& x) { return x.did.ci_low; }),
           value([](const Effect& x) { return x.did.ci_high; }),
           value([](const Effect& x) { return x.mde; }),
           total && !e.masked ? csv_number(e.workdays_avoided) : "",
           total ? effect_in_words(e) : ""});
    }
  }
  return out;
}

// ---- HTML ------------------------------------------------------------------------------------

namespace {

std::string fixed(double v, int decimals = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent_cell(const std::optional<double>& v) {
  return v ? one_decimal(*v) + " %" : "\u2013";
}

// Estimates with their intervals as horizontal lines about a zero line. `rows`: label, effect.
std::string forest_plot(const std::vector<std::pair<std::string, std::optional<Effect>>>& rows,
                        const std::string& label) {
  double reach = 1;
  for (const auto& [name, effect] : rows) {
    if (effect) reach = std::max({reach, std::abs(effect->did.ci_low), std::abs(effect->did.ci_high)});
  }
  reach = std::ceil(reach);
  constexpr double kLeft = 230, kWidth = 380, kRow = 24, kTop = 10;
  const double height = kTop + kRow * static_cast<double>(rows.size()) + 34;
  const auto x = [&](double v) { return kLeft + (v + reach) / (2 * reach) * kWidth; };
  std::string s = "<svg class=\"forest\" role=\"img\" aria-label=\"" + html_escape(label) + "\" viewBox=\"0 0 " +
                  fixed(kLeft + kWidth + 20, 0) + " " + fixed(height, 0) + "\" width=\"" +
                  fixed(kLeft + kWidth + 20, 0) + "\" height=\"" + fixed(height, 0) + "\">";
  const double bottom = kTop + kRow * static_cast<double>(rows.size());
  s += "<line x1=\"" + fixed(x(0)) + "\" x2=\"" + fixed(x(0)) + "\" y1=\"" + fixed(kTop - 4) + "\" y2=\"" +
       fixed(bottom) + "\" class=\"zero\"/>";
  for (const double tick : {-reach, -reach / 2, 0.0, reach / 2, reach}) {
    s += "<text x=\"" + fixed(x(tick)) + "\" y=\"" + fixed(bottom + 16) + "\" text-anchor=\"middle\">" +
         signed_decimal(tick) + "</text>";
  }
  s += "<text x=\"" + fixed(kLeft + kWidth / 2) + "\" y=\"" + fixed(bottom + 30) +
       "\" text-anchor=\"middle\" class=\"axis\">difference in change, percentage points (left of 0: absence fell "
       "more)</text>";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = kTop + kRow * (static_cast<double>(i) + 0.5);
    s += "<text x=\"" + fixed(kLeft - 8) + "\" y=\"" + fixed(y + 4) + "\" text-anchor=\"end\">" +
         html_escape(rows[i].first) + "</text>";
    const auto& effect = rows[i].second;
    if (!effect) {
      s += "<text x=\"" + fixed(x(0) + 6) + "\" y=\"" + fixed(y + 4) + "\" class=\"none\">no estimate</text>";
      continue;
    }
    const auto& d = effect->did;
    const char* tone = d.ci_high < 0 ? "down" : d.ci_low > 0 ? "up" : "unclear";
    s += "<g class=\"" + std::string(tone) + "\"><line x1=\"" + fixed(x(d.ci_low)) + "\" x2=\"" + fixed(x(d.ci_high)) +
         "\" y1=\"" + fixed(y) + "\" y2=\"" + fixed(y) + "\"/><circle cx=\"" + fixed(x(d.estimate)) + "\" cy=\"" +
         fixed(y) + "\" r=\"4\"><title>" + signed_decimal(d.estimate) + " (" + signed_decimal(d.ci_low) + " to " +
         signed_decimal(d.ci_high) + ")</title></circle></g>";
  }
  return s + "</svg>";
}

// Monthly absence of the treated and the comparison units, before (B) and after (A) shaded.
std::string monthly_chart(const Evaluation& e) {
  const auto& months = e.monthly;
  if (months.empty()) return "";
  double top = 1;
  for (const EvaluationMonth& m : months) top = std::max({top, m.treated.value_or(0), m.comparison.value_or(0)});
  top = std::ceil(top * 1.15);
  constexpr double kLeft = 40, kWidth = 600, kTop = 10, kHeight = 180;
  const double step = kWidth / static_cast<double>(months.size());
  const auto x = [&](std::size_t i) { return kLeft + step * (static_cast<double>(i) + 0.5); };
  const auto y = [&](double v) { return kTop + kHeight * (1 - v / top); };
  std::string s =
      "<svg class=\"monthly\" role=\"img\" aria-label=\"monthly absence percent of treated and comparison "
      "units\" viewBox=\"0 0 660 230\" width=\"660\" height=\"230\">";
  const auto shade = [&](const std::optional<Period>& period, const char* cls, const char* label) {
    if (!period) return;
    std::optional<std::size_t> first, last;
    for (std::size_t i = 0; i < months.size() && i < e.plan.months.size(); ++i) {
      const Period month = e.plan.months[i];  // the month of e.monthly[i]
      if (month.end >= period->start && month.start <= period->end) {
        if (!first) first = i;
        last = i;
      }
    }
    if (!first) return;
    s += "<rect class=\"" + std::string(cls) + "\" x=\"" + fixed(x(*first) - step / 2) + "\" y=\"" + fixed(kTop) +
         "\" width=\"" + fixed(step * static_cast<double>(*last - *first + 1)) + "\" height=\"" + fixed(kHeight) +
         "\"/><text x=\"" + fixed(x(*first) - step / 2 + 3) + "\" y=\"" + fixed(kTop + 12) + "\" class=\"axis\">" +
         label + "</text>";
  };
  shade(e.plan.before, "before", "before");
  shade(e.plan.after, "after", "measure");
  for (int i = 0; i <= 4; ++i) {
    const double v = top * i / 4;
    s += "<line class=\"grid\" x1=\"" + fixed(kLeft) + "\" x2=\"" + fixed(kLeft + kWidth) + "\" y1=\"" + fixed(y(v)) +
         "\" y2=\"" + fixed(y(v)) + "\"/><text x=\"" + fixed(kLeft - 4) + "\" y=\"" + fixed(y(v) + 4) +
         "\" text-anchor=\"end\">" + fixed(v, 0) + " %</text>";
  }
  for (std::size_t i = 0; i < months.size(); i += std::max<std::size_t>(1, months.size() / 8)) {
    s += "<text x=\"" + fixed(x(i)) + "\" y=\"" + fixed(kTop + kHeight + 16) + "\" text-anchor=\"middle\">" +
         months[i].month_start.iso().substr(0, 7) + "</text>";
  }
  const auto line = [&](auto pick, const char* cls) {
    std::string path;
    bool pen = false;
    for (std::size_t i = 0; i < months.size(); ++i) {
      const std::optional<double> v = pick(months[i]);
      if (!v) {
        pen = false;
        continue;
      }
      path += (pen ? " L" : " M") + fixed(x(i)) + " " + fixed(y(*v));
      pen = true;
    }
    if (!path.empty()) s += "<path class=\"" + std::string(cls) + "\" d=\"" + path + "\"/>";
  };
  line([](const EvaluationMonth& m) { return m.comparison; }, "comparison");
  line([](const EvaluationMonth& m) { return m.treated; }, "treated");
  s += "<g class=\"legend\"><line class=\"treated\" x1=\"60\" x2=\"80\" y1=\"220\" y2=\"220\"/><text x=\"84\" "
       "y=\"224\">treated units</text><line class=\"comparison\" x1=\"190\" x2=\"210\" y1=\"220\" y2=\"220\"/><text "
       "x=\"214\" y=\"224\">comparison units</text></g>";
  return s + "</svg>";
}

constexpr std::string_view kStyle = R"(
  body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1b1f24;
         margin: 24px auto; max-width: 900px; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px; } h3 { font-size: 15px; }
  .muted { color: #5b6470; }
  .verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 13px; }
  .verdict.reduced { background: #e3f4e8; color: #1d6b35; } .verdict.increased { background: #fde8e6; color: #a3261a; }
  .verdict.inconclusive, .verdict.no_detectable_change { background: #eef0f3; color: #3d4450; }
  .verdict.masked, .verdict.not_started { background: #eef0f3; color: #6b7280; }
  .words { font-size: 15px; margin: 8px 0; }
  .warning { border-left: 4px solid #c77d00; background: #fff6e5; padding: 6px 10px; margin: 6px 0; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #d6dbe1; }
  th { text-align: left; font-weight: 600; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
  svg text { font-size: 11px; fill: #3d4450; } svg .axis { fill: #5b6470; }
  svg .zero { stroke: #1b1f24; } svg .grid { stroke: #e3e6ea; }
  svg.forest g line { stroke-width: 2; } svg g.down line { stroke: #1d6b35; } svg g.down circle { fill: #1d6b35; }
  svg g.up line { stroke: #a3261a; } svg g.up circle { fill: #a3261a; }
  svg g.unclear line { stroke: #6b7280; } svg g.unclear circle { fill: #6b7280; }
  svg .none { fill: #6b7280; font-style: italic; }
  svg rect.before { fill: #f1f3f6; } svg rect.after { fill: #e8f0fb; }
  svg path.treated, svg .legend line.treated { stroke: #1f5fa8; stroke-width: 2; fill: none; }
  svg path.comparison, svg .legend line.comparison { stroke: #8a929c; stroke-width: 2; stroke-dasharray: 5 3; fill: none; }
  section.measure { border-top: 2px solid #d6dbe1; margin-top: 28px; }
  footer { margin-top: 32px; color: #5b6470; font-size: 12px; }
  @page { size: A4; margin: 16mm; }
  @media print {
    body { margin: 0; max-width: none; font-size: 11pt; }
    section.measure { break-before: page; border-top: none; margin-top: 0; }
    figure, table, .warning { break-inside: avoid; }
  }
)";

}  // namespace

std::string evaluations_html(const Projection& p, const std::vector<Evaluation>& evaluations) {
  std::string s = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Measure evaluations as of " +
                  p.as_of().iso() + "</title><style>" + std::string(kStyle) + "</style></head><body>";
  s += "<h1>Did the measures work? <span class=\"muted\">(evaluering av tiltak)</span></h1>";
  s += "<p class=\"muted\">Figures as of " + p.as_of().iso() +
       ". Each measure's units are compared with comparable units over the same calendar days a year before: the "
       "difference in how absence changed is the measure's effect (difference in differences), with a 95 % "
       "interval. Persons under the masking limit are never shown.</p>";
  std::vector<std::pair<std::string, std::optional<Effect>>> overview;
  for (const Evaluation& e : evaluations) {
    if (e.verdict == Verdict::kNotStarted || e.verdict == Verdict::kMasked) continue;
    overview.emplace_back(e.plan.measure.name, total_effect(e));
  }
  if (!overview.empty()) {
    s += "<h2>All measures</h2><figure>" + forest_plot(overview, "effects of all measures with 95 % intervals") +
         "<figcaption class=\"muted\">Dot: the estimated effect; line: its 95 % interval. Green: absence fell more "
         "than in comparable units; red: it rose more; grey: cannot tell.</figcaption></figure>";
  }
  for (const Evaluation& e : evaluations) {
    const EvaluationPlan& plan = e.plan;
    const std::string verdict(to_string(e.verdict));
    s.append("<section class=\"measure\" data-measure=\"").append(html_escape(plan.measure.measure_id));
    s.append("\" data-verdict=\"").append(verdict).append("\"><h2>").append(html_escape(plan.measure.name));
    s.append(" <span class=\"verdict ").append(verdict).append("\">").append(verdict).append("</span></h2>");
    s += "<p class=\"muted\">" + html_escape(plan.measure.measure_id);
    if (plan.measure.category) s.append(" \u00b7 ").append(html_escape(*plan.measure.category));
    s.append(" \u00b7 ").append(to_string(plan.status)).append(" \u00b7 from ").append(plan.measure.from.iso());
    s.append(plan.measure.to ? " to " + plan.measure.to->iso() : std::string(" (open)"));
    s.append(" \u00b7 evaluation year ").append(std::to_string(plan.year)).append("</p>");
    s += "<p class=\"words\">" + html_escape(effect_in_words(e)) + "</p>";
    for (const std::string& w : warnings_in_words(e)) s += "<p class=\"warning\">" + html_escape(w) + "</p>";
    if (!plan.after) {
      s += "</section>";
      continue;
    }
    s += "<p>Measure period compared: " + plan.after->start.iso() + " to " + plan.after->end.iso() + ", against " +
         plan.before->start.iso() + " to " + plan.before->end.iso() +
         ".<br>Treated units: " + html_escape(units_text(p, plan.treated_units)) +
         ".<br>Comparison units: " + html_escape(units_text(p, plan.comparison_units)) + ".</p>";
    if (!e.masked) {
      s += "<figure>" + monthly_chart(e) +
           "<figcaption class=\"muted\">Monthly absence percent of the treated (blue) and comparison (grey) "
           "units; the measure's period and the same days a year before are shaded.</figcaption></figure>";
    }
    s += "<h3>Before and after</h3><table><tr><th></th><th>period</th><th>persons</th><th>contracted "
         "workdays</th><th>lost workdays</th><th>absence</th></tr>";
    static constexpr const char* kGroupNames[] = {"Treated", "Comparison"};
    for (std::size_t g = 0; g < evaluation::kGroups; ++g) {
      for (std::size_t span = 0; span < 2; ++span) {
        const EvaluationCell& c = e.cells[g][span];
        s += "<tr><td>" + std::string(kGroupNames[g]) + "</td><td>" + (span == 0 ? "before" : "after") +
             "</td><td class=\"n\">" + std::to_string(c.headcount) + "</td>";
        if (c.masked || e.masked) {
          s += "<td colspan=\"3\" class=\"muted\">masked: fewer than the masking limit of persons</td></tr>";
        } else {
          s += "<td class=\"n\">" + fixed(c.contracted_workdays) + "</td><td class=\"n\">" + fixed(c.lost_workdays) +
               "</td><td class=\"n\">" + percent_cell(c.absence_percent) + "</td></tr>";
        }
      }
    }
    s += "</table>";
    if (!e.masked) {
      std::vector<std::pair<std::string, std::optional<Effect>>> parts;
      s += "<h3>Effect by kind of absence</h3><table><tr><th></th><th>treated change</th><th>comparison "
           "change</th><th>effect</th><th>95 % interval</th><th>detectable from</th></tr>";
      for (Part part : evaluation::kAllParts) {
        const auto& effect = e.effects[static_cast<std::size_t>(part)];
        parts.emplace_back(part_label(part), effect);
        s += "<tr><td>" + part_label(part) + "</td>";
        if (!effect) {
          s += "<td colspan=\"5\" class=\"muted\">no estimate</td></tr>";
          continue;
        }
        s += "<td class=\"n\">" + signed_decimal(effect->treated_change.estimate) + "</td><td class=\"n\">" +
             signed_decimal(effect->comparison_change.estimate) + "</td><td class=\"n\">" +
             signed_decimal(effect->did.estimate) + "</td><td class=\"n\">" + signed_decimal(effect->did.ci_low) +
             " to " + signed_decimal(effect->did.ci_high) + "</td><td class=\"n\">" + one_decimal(effect->mde) +
             "</td></tr>";
      }
      s += "</table><p class=\"muted\">In percentage points. The placebo (the same comparison one year "
           "earlier): " +
           (e.placebo ? signed_decimal(e.placebo->did.estimate) + " (" + signed_decimal(e.placebo->did.ci_low) +
                            " to " + signed_decimal(e.placebo->did.ci_high) + ")"
                      : std::string("no estimate")) +
           ".</p>";
      if (e.placebo) parts.emplace_back("Placebo, a year earlier", e.placebo);
      s += "<figure>" + forest_plot(parts, "effects by kind of absence with 95 % intervals") + "</figure>";
    }
    s += "</section>";
  }
  s += "<footer>naervaer \u00b7 DOMAIN.md \u00a713: person-clustered standard errors, 95 % intervals (\u00b11.96 "
       "SE), detectable effect 2.8 SE (80 % power).</footer></body></html>\n";
  return s;
}

}  // namespace naervaer::report
