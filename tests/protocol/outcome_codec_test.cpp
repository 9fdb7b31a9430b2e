// The outcome side of the wire contract: labels checked one by one with
// the offending label named, cursors every instance understands, and
// label files (CSV and fraud-sim datasets) read whole or refused whole.
#include <gtest/gtest.h>

#include <fstream>

#include "protocol/dataset.hpp"
#include "protocol/label_file.hpp"
#include "protocol/outcome_codec.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using namespace fraud::protocol;

fraud::error decoded(const labels_add& q, labels_add& out) {
  std::string bytes;
  encode(q, bytes);
  return decode(bytes.data(), bytes.size(), out, 777);
}

TEST(outcome_codec, labels_round_trip_and_time_defaults_to_now) {
  labels_add out;
  ASSERT_FALSE(decoded({{{"t1", outcome::fraud, "chargeback", 0, "n"},
                         {"t2", outcome::legit, "customer", 5, ""}}},
                       out));
  ASSERT_EQ(out.labels.size(), 2u);
  EXPECT_EQ(out.labels[0].at_ms, 777);
  EXPECT_EQ(out.labels[0].note, "n");
  EXPECT_EQ(out.labels[1].result, outcome::legit);
  EXPECT_EQ(out.labels[1].at_ms, 5);
}

TEST(outcome_codec, a_bad_label_is_named_by_its_place) {
  labels_add out;
  auto field = [&](labels_add q) { return decoded(q, out).field(); };
  label ok{"t1", outcome::fraud, "chargeback", 0, ""};
  auto with = [&](auto change) {
    auto l = ok;
    change(l);
    return labels_add{{ok, l}};
  };
  EXPECT_EQ(field(with([](label& l) { l.tx_id.clear(); })), "labels[1].tx_id");
  EXPECT_EQ(field(with([](label& l) { l.tx_id = "has space"; })),
            "labels[1].tx_id");
  EXPECT_EQ(field(with([](label& l) { l.tx_id = std::string(65, 'x'); })),
            "labels[1].tx_id");
  EXPECT_EQ(field(with([](label& l) { l.result = outcome::unspecified; })),
            "labels[1].outcome");
  EXPECT_EQ(field(with([](label& l) { l.source = ""; })), "labels[1].source");
  EXPECT_EQ(field(with([](label& l) { l.source = "case"; })),
            "labels[1].source");
  EXPECT_EQ(field(with([](label& l) { l.at_ms = -1; })), "labels[1].at_ms");
  EXPECT_EQ(field(with([](label& l) { l.at_ms = 777 + 300'001; })),
            "labels[1].at_ms");
  EXPECT_EQ(field(with([](label& l) { l.at_ms = 777 + 300'000; })), "");
  auto long_note = decoded(with([](label& l) { l.note.assign(1001, 'n'); }),
                           out);
  EXPECT_EQ(long_note.code(), ec::limit_exceeded);
  EXPECT_EQ(long_note.field(), "labels[1].note");
  EXPECT_EQ(field({}), "labels");
  auto many = decoded(labels_add{std::vector<label>(5001, ok)}, out);
  EXPECT_EQ(many.code(), ec::limit_exceeded);
  // An outcome number from a newer client is not a label we understand.
  EXPECT_EQ(field(with([](label& l) { l.result = static_cast<outcome>(9); })),
            "labels[1].outcome");
}

TEST(outcome_codec, cursors_name_a_time_a_source_and_a_transaction) {
  outcome_cursor c;
  bool present = false;
  ASSERT_FALSE(parse_outcome_cursor("1700/chargeback/tx/with/slashes", c,
                                    present));
  EXPECT_TRUE(present);
  EXPECT_EQ(c.ms, 1700);
  EXPECT_EQ(c.key, "chargeback");
  EXPECT_EQ(c.tx_id, "tx/with/slashes");
  EXPECT_EQ(format_outcome_cursor(c), "1700/chargeback/tx/with/slashes");
  ASSERT_FALSE(parse_outcome_cursor("", c, present));
  EXPECT_FALSE(present);
  for (auto* bad : {"17", "x/a/t", "-1//t", "1/Bad/t", "1/a/", "1/a/t t"})
    EXPECT_EQ(parse_outcome_cursor(bad, c, present).field(), "cursor") << bad;
}

class label_files : public ::testing::Test {
protected:
  std::string write(const std::string& text) {
    auto path = dir.file("labels.csv");
    std::ofstream{path} << text;
    return path;
  }
  test::temp_dir dir;
};

TEST_F(label_files, csv_lines_with_defaults_and_notes_that_hold_commas) {
  auto got = read_label_file(
    write("tx_id,outcome,source,at_ms,note\r\n# comment\n\n"
          "t1,fraud\nt2,legit,customer,42,said so, twice\n"),
    label_file_format::automatic, "bulk", 0);
  ASSERT_TRUE(got) << fraud::to_string(got.error());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].source, "bulk");
  EXPECT_EQ((*got)[0].result, outcome::fraud);
  EXPECT_EQ((*got)[1].source, "customer");
  EXPECT_EQ((*got)[1].at_ms, 42);
  EXPECT_EQ((*got)[1].note, "said so, twice");
}

TEST_F(label_files, a_bad_line_refuses_the_file_and_says_where) {
  for (auto [text, words] : std::vector<std::pair<std::string, std::string>>{
         {"t1,fraud\nt2,maybe\n", "line 2: outcome must be fraud or legit"},
         {"t1\n", "line 1: expected tx_id,outcome"},
         {"t1,fraud,chargeback,soon\n", "line 1: at_ms must be"},
         {"t1,fraud,Charge Back\n", "line 1: source"},
         {"t 1,fraud\n", "line 1: tx_id"}}) {
    auto got = read_label_file(write(text), label_file_format::csv, "s", 0);
    ASSERT_FALSE(got) << text;
    EXPECT_NE(got.error().what().find(words), std::string::npos)
      << got.error().what();
  }
  auto missing = read_label_file(dir.file("none.csv"),
                                 label_file_format::automatic, "s", 0);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what().find("cannot be read"), std::string::npos);
}

TEST_F(label_files, a_fraud_sim_dataset_labels_every_transaction) {
  auto path = dir.file("data.fsim");
  {
    std::ofstream out{path, std::ios::binary};
    dataset_writer w{out};
    dataset_header h;
    h.transactions = 2;
    ASSERT_TRUE(w.write_header(h));
    labeled_transaction legit{test::sample_tx(), fraud_label::legitimate, 0};
    labeled_transaction attack{test::sample_tx(), fraud_label::card_testing,
                               7};
    ASSERT_TRUE(w.write(legit));
    ASSERT_TRUE(w.write(attack));
    ASSERT_TRUE(w.finish());
  }
  for (auto format : {label_file_format::automatic, label_file_format::dataset}) {
    auto got = read_label_file(path, format, "dataset", 0);
    ASSERT_TRUE(got) << fraud::to_string(got.error());
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].result, outcome::legit);
    EXPECT_EQ((*got)[1].result, outcome::fraud);
    EXPECT_EQ((*got)[1].note, "card_testing");
    EXPECT_EQ((*got)[1].source, "dataset");
  }
  // Told it is a dataset, a CSV file is refused, not read as one.
  auto csv = read_label_file(write("t1,fraud\n"), label_file_format::dataset,
                             "s", 0);
  EXPECT_FALSE(csv);
}

} // namespace
