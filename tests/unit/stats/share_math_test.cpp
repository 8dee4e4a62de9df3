#include "stats/share_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;

TEST(ShareMatrixTest, UnfairSplitGivesSharesAndDeviationFromAnEvenSplit) {
  const std::vector<CellIncrement> cells{{"mta1", "proxy1", 12}, {"mta1", "proxy2", 4}};
  const json m = share_matrix(cells);
  EXPECT_EQ(m["counts"], json::parse(R"({"mta1": {"proxy1": 12, "proxy2": 4}})"));
  EXPECT_EQ(m["shares"], json::parse(R"({"mta1": {"proxy1": 0.75, "proxy2": 0.25}})"));
  EXPECT_EQ(m["deviation"], json::parse(R"({"mta1": {"proxy1": 0.5, "proxy2": -0.5}})"));
  EXPECT_EQ(m["omitted"], 0);
  // The key order of the contract.
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"counts", "shares", "deviation", "omitted"}));
}

TEST(ShareMatrixTest, FairSplitHasZeroDeviation) {
  const std::vector<CellIncrement> cells{{"a", "x", 5}, {"a", "y", 5}, {"a", "z", 5}};
  const json m = share_matrix(cells);
  for (const char* col : {"x", "y", "z"}) {
    EXPECT_EQ(m["shares"]["a"][col], 0.3333) << col;
    EXPECT_EQ(m["deviation"]["a"][col], 0) << col;
  }
}

TEST(ShareMatrixTest, IncrementsOfOneCellAddUpAndKCountsColumnsSeenAnywhere) {
  // Series differing in other labels name the same cell. Row b sends only to x, but the
  // second saw two columns, so b's single column holds twice a fair share.
  const std::vector<CellIncrement> cells{{"a", "x", 1}, {"a", "x", 2}, {"a", "y", 1}, {"b", "x", 6}};
  const json m = share_matrix(cells);
  EXPECT_EQ(m["counts"], json::parse(R"({"a": {"x": 3, "y": 1}, "b": {"x": 6}})"));
  EXPECT_EQ(m["shares"]["b"]["x"], 1);
  EXPECT_EQ(m["deviation"]["b"]["x"], 1);
  EXPECT_EQ(m["deviation"]["a"]["x"], 0.5);
  EXPECT_EQ(m["deviation"]["a"]["y"], -0.5);
}

TEST(ShareMatrixTest, DeviationIsRoundedToFourDecimals) {
  const std::vector<CellIncrement> cells{{"a", "x", 1}, {"a", "y", 2}};
  const json m = share_matrix(cells);
  EXPECT_EQ(m["shares"]["a"]["x"], 0.3333);
  EXPECT_EQ(m["shares"]["a"]["y"], 0.6667);
  EXPECT_EQ(m["deviation"]["a"]["x"], -0.3333);
  EXPECT_EQ(m["deviation"]["a"]["y"], 0.3333);
}

TEST(ShareMatrixTest, NothingSeenIsAnEmptyMatrix) {
  const std::vector<CellIncrement> cells{{"a", "x", 0}};
  const json m = share_matrix(cells);
  EXPECT_EQ(m["counts"], json::object());
  EXPECT_EQ(m["shares"], json::object());
  EXPECT_EQ(m["deviation"], json::object());
  EXPECT_EQ(m["omitted"], 0);
}

TEST(ShareMatrixTest, BusiestRowsAreKeptAndTheRestOmitted) {
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) names.push_back("r" + std::to_string(i));
  std::vector<CellIncrement> cells;
  for (int i = 0; i < 5; ++i) cells.push_back({names[i], "x", static_cast<double>(i + 1)});  // r4 busiest
  const json m = share_matrix(cells, {.max_rows = 2, .max_cols = 64});
  EXPECT_EQ(m["counts"], json::parse(R"({"r3": {"x": 4}, "r4": {"x": 5}})"));
  EXPECT_EQ(m["omitted"], 1 + 2 + 3);
}

TEST(ShareMatrixTest, BusiestColumnsWithinTheKeptRowsAreKept) {
  // Column z is busy only in a dropped row, so it loses to y within the kept rows.
  const std::vector<CellIncrement> cells{
      {"a", "x", 10}, {"a", "y", 3}, {"b", "x", 10}, {"b", "y", 2}, {"b", "w", 1}, {"c", "z", 9}};
  const json m = share_matrix(cells, {.max_rows = 2, .max_cols = 2});
  EXPECT_EQ(m["counts"], json::parse(R"({"a": {"x": 10, "y": 3}, "b": {"x": 10, "y": 2}})"));
  EXPECT_EQ(m["omitted"], 9 + 1);
  // Shares are of the kept cells; k is the 2 kept columns.
  EXPECT_EQ(m["shares"]["b"]["x"], 0.8333);
  EXPECT_EQ(m["deviation"]["b"]["x"], 0.6667);
}

TEST(ShareMatrixTest, RowWhoseColumnsWereAllDroppedIsOmitted) {
  const std::vector<CellIncrement> cells{{"a", "x", 10}, {"b", "y", 1}};
  const json m = share_matrix(cells, {.max_rows = 2, .max_cols = 1});
  EXPECT_EQ(m["counts"], json::parse(R"({"a": {"x": 10}})"));
  EXPECT_FALSE(m["shares"].contains("b"));
  EXPECT_EQ(m["omitted"], 1);
}

TEST(ShareMatrixTest, DefaultCapsAre128RowsAnd64Columns) {
  std::vector<std::string> rows, cols;
  for (int i = 0; i < 130; ++i) rows.push_back("r" + std::to_string(1000 + i));
  for (int i = 0; i < 66; ++i) cols.push_back("c" + std::to_string(1000 + i));
  std::vector<CellIncrement> cells;
  for (const auto& r : rows)
    for (const auto& c : cols) cells.push_back({r, c, 1});
  const json m = share_matrix(cells);
  EXPECT_EQ(m["counts"].size(), 128u);
  for (const auto& [row, cells_of_row] : m["counts"].items()) EXPECT_EQ(cells_of_row.size(), 64u) << row;
  // Ties are broken by name: r1128, r1129 and columns c1064, c1065 are dropped.
  EXPECT_FALSE(m["counts"].contains("r1128"));
  EXPECT_FALSE(m["counts"]["r1000"].contains("c1064"));
  EXPECT_EQ(m["omitted"], 2 * 66 + 128 * 2);
  EXPECT_EQ(m["deviation"]["r1000"]["c1000"], 0);
}

TEST(ShareMatrixTest, LongLabelValuesAreCutWithoutSplittingACharacter) {
  const std::string row = std::string(199, 'a') + "\xC3\xA9" + "tail";  // é straddles byte 200
  const std::vector<CellIncrement> cells{{row, "x", 1}};
  const json m = share_matrix(cells);
  ASSERT_EQ(m["counts"].size(), 1u);
  EXPECT_EQ(m["counts"].begin().key(), std::string(199, 'a'));
}

TEST(WhereFilterTest, AllTermsMustHold) {
  const std::vector<std::string> labels{"mta1", "proxy1", "delivered"};
  const std::vector<LabelEquals> delivered{{2, "delivered"}};
  const std::vector<LabelEquals> delivered_by_mta2{{2, "delivered"}, {0, "mta2"}};
  const std::vector<LabelEquals> bounced{{2, "permanent"}};
  EXPECT_TRUE(matches_all(labels, {}));
  EXPECT_TRUE(matches_all(labels, delivered));
  EXPECT_FALSE(matches_all(labels, delivered_by_mta2));
  EXPECT_FALSE(matches_all(labels, bounced));
  const std::vector<LabelEquals> out_of_range{{3, "x"}};
  EXPECT_FALSE(matches_all(labels, out_of_range));
}

TEST(RatioFiguresTest, PartOverTotal) {
  EXPECT_EQ(ratio_figures(3, 40), json::parse(R"({"part": 3, "total": 40, "value": 0.075})"));
  EXPECT_EQ(ratio_figures(1, 3)["value"], 0.333333);
}

TEST(RatioFiguresTest, NullWhenTotalIsZero) {
  const json r = ratio_figures(0, 0);
  EXPECT_EQ(r["part"], 0);
  EXPECT_EQ(r["total"], 0);
  ASSERT_TRUE(r.contains("value"));
  EXPECT_TRUE(r["value"].is_null());
}

TEST(CompactNumberTest, IntegersStayIntegersAndFractionsAreRounded) {
  EXPECT_TRUE(compact_number(12.0).is_number_integer());
  EXPECT_EQ(compact_number(120345.0).dump(), "120345");
  EXPECT_EQ(compact_number(34.5).dump(), "34.5");
  EXPECT_EQ(compact_number(1234567.123456).dump(), "1234567.123");
  EXPECT_EQ(compact_number(0.000123456789).dump(), "0.000123457");
  EXPECT_TRUE(compact_number(std::numeric_limits<double>::infinity()).is_null());
  EXPECT_EQ(round_to(-0.00001, 4), 0.0);
  EXPECT_FALSE(std::signbit(round_to(-0.00001, 4)));
}

TEST(CutUtf8Test, CutsAtCharacterBoundaries) {
  EXPECT_EQ(cut_utf8("abc", 5), "abc");
  EXPECT_EQ(cut_utf8("abcdef", 3), "abc");
  EXPECT_EQ(cut_utf8("ab\xE2\x82\xAC", 4), "ab");  // the euro sign would be split
  EXPECT_EQ(cut_utf8("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
}

}  // namespace
}  // namespace tapemeasure::stats
