// The evaluation said in words, and the Norwegian Excel dialect of the CSV.
#include "evaluation_report.h"

#include <gtest/gtest.h>

namespace naervaer::report {
namespace {

using evaluation::Effect;
using evaluation::Estimate;
using evaluation::Part;

Estimate interval(double estimate, double se) {
  return {estimate, se, estimate - evaluation::kZ95 * se, estimate + evaluation::kZ95 * se};
}

Evaluation with_total(Verdict verdict, double did, double se, std::optional<double> avoided) {
  Evaluation e;
  e.plan.year = 1;
  e.verdict = verdict;
  e.effects[static_cast<std::size_t>(Part::kTotal)] =
      Effect{interval(-3, 1), interval(did + -3, 1), interval(did, se), evaluation::kMdeFactor * se};
  e.workdays_avoided = avoided;
  return e;
}

// The issue's own sentence: a fall of 4.4 points, interval 2.2 to 6.6, 987 workdays.
TEST(EvaluationWordsTest, AReductionSaysHowMuchWithItsIntervalAndTheWorkdays) {
  const Evaluation e = with_total(Verdict::kReduced, -4.4, 2.2 / evaluation::kZ95, 987.4);
  EXPECT_EQ(effect_in_words(e),
            "Absence fell 4.4 percentage points more than in comparable units (95 % interval 2.2 to 6.6); about 990 "
            "workdays avoided.");
}

TEST(EvaluationWordsTest, AnIncreaseSaysMoreWorkdaysLost) {
  const Evaluation e = with_total(Verdict::kIncreased, 1.2, 0.4, -12345);
  EXPECT_EQ(effect_in_words(e),
            "Absence rose 1.2 percentage points more than in comparable units (95 % interval 0.4 to 2.0); about "
            "12,000 more workdays lost.");
}

TEST(EvaluationWordsTest, InconclusiveSaysWhatCouldHaveBeenSeen) {
  const Evaluation e = with_total(Verdict::kInconclusive, -0.8, 0.9, 100);
  EXPECT_EQ(effect_in_words(e),
            "Absence fell 0.8 percentage points more than in comparable units, but that is within chance (95 % "
            "interval \u22122.6 to 1.0 points): too few persons or too short a time to tell. Only an effect of about "
            "2.5 percentage points or more could have been seen.");
}

TEST(EvaluationWordsTest, MaskedAndNotStartedShowNoNumbers) {
  Evaluation masked = with_total(Verdict::kMasked, -4.4, 1, 987);
  EXPECT_EQ(effect_in_words(masked).find_first_of("0123456789"), std::string::npos);
  Evaluation planned;
  planned.plan.year = 2;
  planned.verdict = Verdict::kNotStarted;
  EXPECT_EQ(effect_in_words(planned),
            "The measure has not started yet (or year 2 of it has not begun): there is nothing to evaluate.");
}

TEST(EvaluationWordsTest, EveryWarningIsASentence) {
  Evaluation e;
  e.warnings = {"parallel_trends_doubtful", "selected_when_high"};
  const auto words = warnings_in_words(e);
  ASSERT_EQ(words.size(), 2U);
  EXPECT_NE(words[0].find("the comparison may not be fair"), std::string::npos);
  EXPECT_NE(words[1].find("part of a fall may have come anyway"), std::string::npos);
}

TEST(CsvDialectTest, NumbersHaveADecimalCommaAndNoTrailingZeros) {
  EXPECT_EQ(csv_number(2.5), "2,5");
  EXPECT_EQ(csv_number(-0.25), "-0,25");
  EXPECT_EQ(csv_number(15.0), "15");
  EXPECT_EQ(csv_number(-0.0000001), "0");
  EXPECT_EQ(csv_number(std::nullopt), "");
}

TEST(CsvDialectTest, FieldsWithSemicolonsQuotesOrLineBreaksAreQuoted) {
  EXPECT_EQ(csv_field("Åsen skole"), "Åsen skole");
  EXPECT_EQ(csv_field("a;b"), "\"a;b\"");
  EXPECT_EQ(csv_field("say \"hei\""), "\"say \"\"hei\"\"\"");
  EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
}

TEST(HtmlTest, MarkupInNamesIsText) {
  EXPECT_EQ(html_escape("<b onclick='x'>&"), "&lt;b onclick=&#39;x&#39;&gt;&amp;");
}

}  // namespace
}  // namespace naervaer::report
