#include "naervaer/ingest/importer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "naervaer/ingest/csv_export.h"
#include "naervaer/ingest/generator.h"
#include "naervaer/ingest/pseudonym.h"
#include "naervaer/projections/encode.h"
#include "naervaer/projections/projection.h"

namespace naervaer::ingest {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFnr = "01010112377";  // valid check digits

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("naervaer_importer_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  struct Run {
    ScanResult scan;
    std::vector<RowProblem> problems;
    std::vector<Event> events;
  };

  Run run(const std::vector<std::string>& paths, const Pseudonymiser* key = nullptr,
          std::size_t retained_rows_max = 500'000) {
    Importer importer(ImportSettings{key, std::int64_t{1'700'000'000'000}, retained_rows_max});
    Run r;
    r.scan = importer.scan(paths, [&](const RowProblem& p) { r.problems.push_back(p); });
    if (!r.scan.fatal) importer.emit(r.scan, [&](const Event& e, std::string_view) { r.events.push_back(e); });
    return r;
  }

  fs::path dir_;
};

TEST_F(ImporterTest, ReadsTheNorwegianDialect) {
  const auto path = write("absences.csv",
                          "\xEF\xBB\xBFkind;to;person;from;absence_id;grade_percent;employment_id\r\n"
                          "sykmelding;15.11.2009;pA;02.11.2009;a1;50,0;\r\n"
                          "Egenmelding;;pA;2010-03-31;a2;;m1\r\n");
  const Run r = run({path});
  ASSERT_FALSE(r.scan.fatal);
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
  ASSERT_EQ(r.events.size(), 2u);
  const auto& a1 = std::get<AbsenceSet>(r.events[0].body);
  EXPECT_EQ(a1.employee, "pA");
  EXPECT_EQ(a1.kind, AbsenceKind::kDoctorCertified);
  EXPECT_EQ(a1.from, Date::from_ymd(2009, 11, 2));
  EXPECT_EQ(a1.to, Date::from_ymd(2009, 11, 15));
  EXPECT_EQ(a1.grade, 5000);
  EXPECT_FALSE(a1.employment_id);
  const auto& a2 = std::get<AbsenceSet>(r.events[1].body);
  EXPECT_EQ(a2.kind, AbsenceKind::kSelfCertified);
  EXPECT_FALSE(a2.to);  // an empty cell is an absent optional value
  EXPECT_EQ(a2.employment_id, "m1");
  EXPECT_EQ(r.events[0].recorded_at_ms, 1'700'000'000'000);
}

TEST_F(ImporterTest, RecognisesEveryKindByItsHeaderWithCommas) {
  const Run r = run({
      write("f.csv", "person,step,date\npA,followup_plan,2010-01-04\n"),
      write("m.csv",
            "measure_id,units,name,category,from,to\nt1,skole-1 | skole-2,Ta rotta p\xC3\xA5 november,,1.11.2010,\n"),
      write("e.csv", "person,employment_id,unit,from,to,fte_percent\npA,m1,skole-1,2009-11-01,,80\n"),
      write("t.csv", "unit,year,attendance_target_percent,absence_threshold_percent\nskole-1,2010,\"93,5\",5.2\n"),
      write("u.csv", "unit,name,parent\nkommune,N\xC3\xA6rvik,\nskole-1,Skole,kommune\n"),
  });
  ASSERT_FALSE(r.scan.fatal) << to_string(*r.scan.fatal);
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
  // Sent in the order units, targets, employments, absences, measures, followups, whatever
  // the order of the files.
  std::vector<EventType> types;
  for (const Event& e : r.events) types.push_back(e.type());
  EXPECT_EQ(types,
            (std::vector<EventType>{EventType::kUnitRegistered, EventType::kUnitRegistered, EventType::kTargetSet,
                                    EventType::kEmploymentSet, EventType::kMeasureSet, EventType::kFollowupRecorded}));
  EXPECT_FALSE(std::get<UnitRegistered>(r.events[0].body).parent);
  const auto& t = std::get<TargetSet>(r.events[2].body);
  EXPECT_EQ(t.attendance_target, 9350);
  EXPECT_EQ(t.absence_threshold, 520);
  const auto& m = std::get<MeasureSet>(r.events[4].body);
  EXPECT_EQ(m.units, (std::vector<std::string>{"skole-1", "skole-2"}));
  EXPECT_FALSE(m.category);
  EXPECT_EQ(m.from, Date::from_ymd(2010, 11, 1));
}

TEST_F(ImporterTest, BadRowsAreNamedByFileAndLineAndTheRestGoes) {
  const auto path = write("employments.csv",
                          "person;employment_id;unit;from;to;fte_percent\n"
                          "pA;m1;u;01.01.2024;;100\n"
                          "pB;m1;u;30.02.2024;;100\n"  // line 3: no such day
                          "pC;m1;u;01.01.2024;;ikke oppgitt\n"
                          "pD;m1;u;01.03.2024;01.02.2024;100\n"
                          "pE;m1;u;01.01.2024;;120\n"
                          "pF;m1;u;2024/01/01;;100\n"
                          ";m1;u;01.01.2024;;100\n"
                          "pG;m1;u;01.01.2024;;50\n");
  const Run r = run({path});
  ASSERT_FALSE(r.scan.fatal);
  ASSERT_EQ(r.problems.size(), 6u);
  const std::vector<std::pair<std::size_t, std::string>> expected = {{3, "bad_date"},         {4, "bad_number"},
                                                                     {5, "end_before_start"}, {6, "fte_out_of_range"},
                                                                     {7, "bad_date"},         {8, "missing_field"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.problems[i].line, expected[i].first) << to_string(r.problems[i]);
    EXPECT_EQ(r.problems[i].rule, expected[i].second) << to_string(r.problems[i]);
    EXPECT_EQ(r.problems[i].file, path);
  }
  EXPECT_EQ(to_string(r.problems[1]).substr(0, path.size() + 3), path + ":4:");
  EXPECT_EQ(r.scan.rejected_rows, 6u);
  ASSERT_EQ(r.events.size(), 2u);  // pA and pG still go
  EXPECT_EQ(std::get<EmploymentSet>(r.events[1].body).employee, "pG");
}

TEST_F(ImporterTest, AnIdentityNumberWithoutAKeyIsRefusedBeforeAnythingIsSent) {
  const auto units = write("units.csv", "unit,name\nkommune,K\n");
  const auto path =
      write("e.csv", std::string("person,employment_id,unit,from,fte_percent\npA,m1,kommune,2024-01-01,100\n") + kFnr +
                         ",m1,kommune,2024-01-01,100\n");
  const Run r = run({units, path});
  ASSERT_TRUE(r.scan.fatal);
  EXPECT_EQ(r.scan.fatal->rule, "identity_number_without_key");
  EXPECT_EQ(r.scan.fatal->line, 3u);
  EXPECT_EQ(to_string(*r.scan.fatal).find(kFnr), std::string::npos);  // never echoed
  EXPECT_TRUE(r.events.empty());
}

TEST_F(ImporterTest, WithAKeyEveryPersonGetsAStablePseudonym) {
  const Pseudonymiser key(std::string(32, 'k'));
  const auto path = write("e.csv", std::string("person,employment_id,unit,from,fte_percent\n") + kFnr +
                                       ",m1,u,2024-01-01,100\npA,m1,u,2024-01-01,100\n");
  const Run first = run({path}, &key);
  const Run second = run({path}, &key);
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(std::get<EmploymentSet>(first.events[0].body).employee, key.pseudonym(kFnr));
  EXPECT_EQ(std::get<EmploymentSet>(first.events[1].body).employee, key.pseudonym("pA"));
  EXPECT_EQ(first.events, second.events);  // same ids, same content: duplicates downstream
  for (const Event& e : first.events) EXPECT_EQ(encode_event(e).find(kFnr), std::string::npos);
}

TEST_F(ImporterTest, EventIdsComeFromTheContentSoACorrectionIsAnUpsert) {
  const std::string header = "person,absence_id,kind,from,to\n";
  const Run original = run({write("a.csv", header + "pA,a1,egenmelding,2024-01-08,2024-01-09\n")});
  const Run same = run({write("b.csv", header + "pA,a1,egenmelding,08.01.2024,09.01.2024\n")});
  const Run corrected = run({write("c.csv", header + "pA,a1,egenmelding,2024-01-08,2024-01-10\n")});
  ASSERT_EQ(original.events.size(), 1u);
  EXPECT_TRUE(original.events[0].event_id.starts_with("r-"));
  EXPECT_EQ(original.events[0].event_id, same.events[0].event_id);  // another spelling, the same fact
  EXPECT_NE(original.events[0].event_id, corrected.events[0].event_id);
  // The correction replaces the absence (same absence_id) when folded after it.
  Projection p(Date::from_ymd(2024, 12, 31));
  (void)p.apply(Event{"u", 0, UnitRegistered{"u", "U", std::nullopt}});
  (void)p.apply(Event{"e", 0, EmploymentSet{"pA", "m1", "u", Date::from_ymd(2024, 1, 1), std::nullopt, 10000}});
  EXPECT_EQ(p.apply(original.events[0]).outcome, Outcome::kApplied);
  EXPECT_EQ(p.apply(same.events[0]).outcome, Outcome::kDuplicate);
  EXPECT_EQ(p.apply(corrected.events[0]).outcome, Outcome::kApplied);
  const Figures f = p.figures(0, Period{Date::from_ymd(2024, 1, 1), Date::from_ymd(2024, 1, 31)});
  EXPECT_EQ(f.sums.lost_workdays(), 3.0);
}

TEST_F(ImporterTest, UnknownHeadersAndMisspeltColumnsAreFatal) {
  const Run unknown = run({write("x.csv", "navn;avdeling\nA;B\n")});
  ASSERT_TRUE(unknown.scan.fatal);
  EXPECT_EQ(unknown.scan.fatal->rule, "unknown_header");
  const Run misspelt =
      run({write("y.csv", "person,absence_id,kind,from,grade_precent\npA,a1,sykmelding,2024-01-01,50\n")});
  ASSERT_TRUE(misspelt.scan.fatal);
  EXPECT_EQ(misspelt.scan.fatal->rule, "unknown_column");
  EXPECT_NE(misspelt.scan.fatal->message.find("grade_precent"), std::string::npos);
  const Run missing = run({(dir_ / "missing.csv").string()});
  ASSERT_TRUE(missing.scan.fatal);
  EXPECT_EQ(missing.scan.fatal->rule, "unreadable_file");
}

TEST_F(ImporterTest, JsonLinesAreValidatedAndPseudonymisedWithAKey) {
  const std::string lines =
      std::string(R"({"event_id":"e1","type":"employment_set","recorded_at":"2024-01-01T08:00:00Z","employee":")") +
      kFnr + R"(","employment_id":"m1","unit":"u","from":"2024-01-01","fte_percent":100})" + "\n" +
      R"({"event_id":"e2","type":"absence_set","recorded_at":"2024-01-01T08:00:00Z","employee":"pA","absence_id":"a1","kind":"sick","from":"2024-01-01"})" +
      "\n\n" +
      R"({"event_id":"e3","type":"unit_registered","recorded_at":"2024-01-01T08:00:00Z","unit":"u","name":"U"})" + "\n";
  const auto path = write("events.jsonl", lines);
  const Run without_key = run({path});
  ASSERT_TRUE(without_key.scan.fatal);
  EXPECT_EQ(without_key.scan.fatal->line, 1u);
  const Pseudonymiser key(std::string(32, 'k'));
  const Run with_key = run({path}, &key);
  ASSERT_FALSE(with_key.scan.fatal);
  ASSERT_EQ(with_key.problems.size(), 1u);
  EXPECT_EQ(with_key.problems[0].line, 2u);
  EXPECT_EQ(with_key.problems[0].rule, "bad_kind");
  ASSERT_EQ(with_key.events.size(), 2u);
  EXPECT_EQ(with_key.events[0].type(), EventType::kUnitRegistered);  // units first
  EXPECT_EQ(with_key.events[1].event_id, "e1");                      // JSON Lines keep their ids
  EXPECT_EQ(std::get<EmploymentSet>(with_key.events[1].body).employee, key.pseudonym(kFnr));
}

TEST_F(ImporterTest, IdentityNumbersAreRecognisedAsSpreadsheetsSpellThem) {
  // 01010112377 with its leading zero dropped (a number column), and with a space.
  const std::string header = "person,employment_id,unit,from,fte_percent\n";
  const Run dropped_zero = run({write("a.csv", header + "1010112377,m1,u,2024-01-01,100\n")});
  ASSERT_TRUE(dropped_zero.scan.fatal);
  EXPECT_EQ(dropped_zero.scan.fatal->rule, "identity_number_without_key");
  const Pseudonymiser key(std::string(32, 'k'));
  const Run spelt =
      run({write("b.csv", header + "010101 12377,m1,u,2024-01-01,100\n1010112377,m2,u,2024-01-01,50\n")}, &key);
  ASSERT_EQ(spelt.events.size(), 2u);
  EXPECT_EQ(std::get<EmploymentSet>(spelt.events[0].body).employee, key.pseudonym(kFnr));
  EXPECT_EQ(std::get<EmploymentSet>(spelt.events[1].body).employee, key.pseudonym(kFnr));  // one person
}

TEST_F(ImporterTest, AnIdentityNumberOutsideThePersonColumnStopsItsRow) {
  const Pseudonymiser key(std::string(32, 'k'));
  const auto path = write("a.csv", std::string("person,absence_id,kind,from\n") + "pA,a-" + kFnr +
                                       ",egenmelding,2024-01-08\npA,a2,egenmelding,2024-01-09\n");
  const Run r = run({path}, &key);
  ASSERT_FALSE(r.scan.fatal);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].rule, "identity_number");
  EXPECT_EQ(to_string(r.problems[0]).find(kFnr), std::string::npos);
  ASSERT_EQ(r.events.size(), 1u);
}

TEST_F(ImporterTest, ANumberInTheWrongColumnIsNotEchoed) {
  // A shifted export puts the identity number where the fte belongs: the decoder's
  // "got ..." must not repeat it.
  const auto path = write("e.csv", "person,employment_id,unit,from,fte_percent\npA,m1,u,2024-01-01,31129912345\n");
  const Run r = run({path});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].rule, "fte_out_of_range");
  EXPECT_EQ(to_string(r.problems[0]).find("31129912345"), std::string::npos) << to_string(r.problems[0]);
}

TEST_F(ImporterTest, RowsWithMoreOrFewerCellsThanTheHeaderAreRejected) {
  const auto path = write("e.csv",
                          "person,employment_id,unit,from,fte_percent\n"
                          "pA,m1,u,2024-01-01,80,5\n"   // a decimal comma in a comma-separated file
                          "pB,m1,u,2024-01-01\n"        // cut short
                          ",,,,\n"                      // an empty spreadsheet row
                          "pC,m1,u,2024-01-01,100,,\n"  // trailing empty cells are fine
                          "pD,m1,u,2024-01-01,50\n");
  const Run r = run({path});
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].rule, "malformed_csv");
  EXPECT_EQ(r.problems[1].line, 3u);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(run({path}, nullptr, 0).events, r.events);  // the second pass agrees row by row
}

// The generator's CSV exports, ingested, fold to exactly the figures of its events.
TEST_F(ImporterTest, GeneratedCsvExportsFoldToTheFiguresOfTheEvents) {
  GeneratorOptions o;
  o.seed = 7;
  o.employees = 150;
  o.from = Date::from_ymd(2024, 1, 1);
  o.to = Date::from_ymd(2025, 6, 30);
  const Date today = Date::from_ymd(2025, 6, 30);
  Projection from_events(today);
  {
    CsvExportWriter writer((dir_ / "export").string());
    generate_municipality(o, [&](const Event& e) {
      (void)from_events.apply(e);
      writer.add(e);
    });
    writer.finish();
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir_ / "export")) files.push_back(entry.path().string());
  const Pseudonymiser key(std::string(32, 'k'));
  const Run r = run(files, &key);
  ASSERT_FALSE(r.scan.fatal) << to_string(*r.scan.fatal);
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
  // Converting the files again in pass 2 (too many rows to keep) sends the same events.
  EXPECT_EQ(run(files, &key, 100).events, r.events);
  EXPECT_EQ(run(files, &key, 0).events, r.events);
  Projection from_csv(today);
  for (const Event& e : r.events) ASSERT_NE(from_csv.apply(e).outcome, Outcome::kRejected);
  ASSERT_EQ(from_csv.unit_count(), from_events.unit_count());
  for (Window w : kAllWindows) {
    const Period period = window_period(w, today);
    for (UnitId u = 0; u < from_events.unit_count(); ++u) {
      const auto other = from_csv.find_unit(from_events.unit(u).id);
      ASSERT_TRUE(other);
      const Figures a = from_events.figures(u, period);
      const Figures b = from_csv.figures(*other, period);
      EXPECT_EQ(a.sums, b.sums) << from_events.unit(u).id << " " << to_string(w);
      EXPECT_EQ(a.headcount, b.headcount);
    }
  }
}

}  // namespace
}  // namespace naervaer::ingest
