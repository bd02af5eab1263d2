#include "naervaer/ingest/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace naervaer::ingest {
namespace {

std::vector<CsvRecord> read_all(const std::string& text, std::vector<std::string>* errors = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> out;
  CsvRecord r;
  std::string error;
  while (reader.next(r, error)) {
    out.push_back(r);
    if (errors) errors->push_back(error);
  }
  return out;
}

using Fields = std::vector<std::string>;

TEST(CsvTest, DetectsTheSemicolonOfNorwegianExports) {
  std::istringstream in("person;from;fte_percent\n1;01.01.2024;80,5\n");
  CsvReader reader(in);
  EXPECT_EQ(reader.delimiter(), ';');
  CsvRecord r;
  std::string error;
  ASSERT_TRUE(reader.next(r, error));
  EXPECT_EQ(r.fields, (Fields{"person", "from", "fte_percent"}));
  ASSERT_TRUE(reader.next(r, error));
  EXPECT_EQ(r.fields, (Fields{"1", "01.01.2024", "80,5"}));  // the decimal comma is not a delimiter
  EXPECT_FALSE(reader.next(r, error));
}

TEST(CsvTest, DetectsCommaAndTab) {
  EXPECT_EQ(detect_delimiter("unit,name,parent\n"), ',');
  EXPECT_EQ(detect_delimiter("unit\tname\tparent\n"), '\t');
  EXPECT_EQ(detect_delimiter("\"a;b\",c,d\n"), ',');  // quoted delimiters do not count
  EXPECT_EQ(detect_delimiter("unit\n"), ',');
}

TEST(CsvTest, StripsTheByteOrderMark) {
  const auto records = read_all("\xEF\xBB\xBFunit,name\nkommune,N\xC3\xA6rvik\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields[0], "unit");
  EXPECT_EQ(records[1].fields[1], "N\xC3\xA6rvik");
}

TEST(CsvTest, QuotedFieldsKeepDelimitersQuotesAndLineBreaks) {
  const auto records = read_all("a;b;c\r\n\"x;y\";\"say \"\"hei\"\"\";\"two\r\nlines\"\r\nlast;2;3\r\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (Fields{"x;y", "say \"hei\"", "two\r\nlines"}));
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].line, 4u);  // the record after a two-line field starts on line 4
  EXPECT_EQ(records[2].fields, (Fields{"last", "2", "3"}));
}

TEST(CsvTest, LineNumbersCountBlankLines) {
  const auto records = read_all("a,b\n\n1,2\n\r\n3,4");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[2].line, 5u);
  EXPECT_EQ(records[2].fields, (Fields{"3", "4"}));  // no line break at the end
}

TEST(CsvTest, EmptyCellsAndSpacesAroundUnquotedFields) {
  const auto records = read_all("a;b;c\n 1 ;; \" 3 \"\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (Fields{"1", "", " 3 "}));
}

TEST(CsvTest, AnUnclosedQuoteIsAnErrorOnTheLineItStarts) {
  std::vector<std::string> errors;
  const auto records = read_all("a,b\n1,2\n3,\"open\n4,5\n", &errors);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(records[2].line, 3u);
  EXPECT_NE(errors[2].find("not closed"), std::string::npos);
}

TEST(CsvTest, TextAfterAClosingQuoteIsAnError) {
  std::vector<std::string> errors;
  const auto records = read_all("a,b\n\"x\"y,2\n3,4\n", &errors);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_NE(errors[1].find("after a closing quote"), std::string::npos);
  EXPECT_EQ(errors[2], "");
  EXPECT_EQ(records[2].fields, (Fields{"3", "4"}));  // the next record is read normally
}

}  // namespace
}  // namespace naervaer::ingest
