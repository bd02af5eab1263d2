// Measure evaluations (DOMAIN.md §13) for people: in words a unit leader understands, as a
// self-contained printable HTML report, and as CSV for Excel. What `naervaer evaluate`
// writes. Pure functions of their arguments; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "naervaer/projections/evaluation.h"

namespace naervaer::report {

// The result in one or two sentences: "Absence fell 4.4 percentage points more than in
// comparable units (95 % interval 2.2 to 6.6); about 990 workdays avoided."
std::string effect_in_words(const Evaluation& e);
// Each warning as a plain sentence (what it means and why it matters).
std::vector<std::string> warnings_in_words(const Evaluation& e);

// One HTML document (no external resources, a print stylesheet) with every evaluation: a
// forest plot of all of them, then per measure the verdict in words, the warnings, the
// monthly absence of treated and comparison units with the periods shaded, the cells and
// the effects by part.
std::string evaluations_html(const Projection& p, const std::vector<Evaluation>& evaluations);

// CSV in the Norwegian Excel dialect: UTF-8 with a byte order mark, semicolons, decimal
// commas, CRLF. One row per measure and part (the total first).
std::string evaluations_csv(const Projection& p, const std::vector<Evaluation>& evaluations);

// Text for CSV in the Norwegian Excel dialect: a number with a decimal comma (empty for none).
std::string csv_number(std::optional<double> v);
// A field quoted when it holds a semicolon, a quote or a line break.
std::string csv_field(const std::string& s);
// Text safe inside HTML elements and attribute values.
std::string html_escape(const std::string& s);

}  // namespace naervaer::report
