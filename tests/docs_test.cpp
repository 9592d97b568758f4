// SPDX-License-Identifier: Apache-2.0
// The README's table of events and fields is made from the same
// descriptions as the serializer and the flags; this test keeps it so. And
// the project stands alone: its files point to its own docs, never to a
// contract kept beside the checkout.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "runner_metrics/events.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

template <class Member>
std::string kind_of(const Range range) {
  using Value = field_value_t<Member>;
  std::string kind;
  if constexpr (std::is_same_v<Value, double>) {
    kind = "float >= 0";
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    kind = range == Range::NonNegative ? "integer >= 0" : "integer";
  } else if constexpr (std::is_same_v<Value, std::string>) {
    kind = "string";
  } else {
    kind = "object";
  }
  return is_optional_field_v<Member> ? kind + ", optional" : kind;
}

template <Record R>
void append_rows(std::string& table, std::string_view type, const std::string& path_prefix,
                 const std::string& flag_prefix, bool in_optional) {
  for_each_field<R>([&](const auto& field) {
    using Member = std::remove_cvref_t<decltype(R{}.*(field.member))>;
    const std::string path = path_prefix + std::string(field.name);
    const std::string flag = flag_prefix + flag_name(field);
    if constexpr (Record<field_value_t<Member>>) {
      append_rows<field_value_t<Member>>(table, type, path + ".", flag + "-",
                                         is_optional_field_v<Member>);
    } else {
      table +=
          fmt::format("| `{}` | `{}` | `--{}` | {}{} | {} |\n", type, path, flag,
                      kind_of<Member>(field.range), in_optional ? ", optional" : "", field.help);
    }
  });
}

std::string field_table() {
  std::string table =
      "| event | field | flag | kind | meaning |\n"
      "|---|---|---|---|---|\n";
  for_each_event_type([&](auto type) {
    using E = typename decltype(type)::type;
    append_rows<E>(table, event_type_name<E>(), "", "", false);
  });
  return table;
}

TEST(Docs, ReadmeFieldTableIsTheOneTheDescriptionsMake) {
  const auto readme = testing::read_file(RUNNER_METRICS_SOURCE_DIR "/README.md");
  ASSERT_TRUE(readme.has_value());
  EXPECT_NE(readme->find(field_table()), std::string::npos)
      << "README.md should hold this table (regenerate it from this output):\n"
      << field_table();
}

// Every file git tracks in the checkout, or nothing when it is not one
// (a source tarball).
std::vector<std::string> tracked_files() {
  const auto listing =
      testing::run_process({"/usr/bin/git", "-C", RUNNER_METRICS_SOURCE_DIR, "ls-files", "-z"}, {});
  std::vector<std::string> files;
  if (listing.exit_status != 0) return files;
  std::istringstream names(listing.out);
  for (std::string name; std::getline(names, name, '\0');) files.push_back(name);
  return files;
}

TEST(Docs, NoFileReliesOnTheContractBesideTheCheckout) {
  const std::vector<std::string> files = tracked_files();
  if (files.empty()) GTEST_SKIP() << RUNNER_METRICS_SOURCE_DIR << " is not a git checkout";
  // Built in parts so that this file does not name them itself.
  const std::vector<std::string> references{std::string("../") + "shared",
                                            std::string("SPEC") + ".md", std::string("SPEC") + " §",
                                            std::string("SPEC") + "'s"};
  // The build file names the contract's folder, for the test that keeps the
  // copies in tests/data/ byte-identical to it.
  const std::string allowed = "tests/CMakeLists.txt";
  std::size_t read = 0;
  for (const std::string& file : files) {
    if (file == allowed || file.starts_with("tests/data/")) continue;
    const auto content = testing::read_file(std::string(RUNNER_METRICS_SOURCE_DIR) + "/" + file);
    if (!content) continue;  // a link or a file deleted but not yet committed
    ++read;
    for (const std::string& reference : references) {
      EXPECT_EQ(content->find(reference), std::string::npos) << file << " mentions " << reference;
    }
  }
  EXPECT_GT(read, 100U);
}

bool is_source(const std::string& file) {
  for (const std::string_view ending : {".cpp", ".hpp", ".py", ".sh", ".cmake", ".in", ".pyi"}) {
    if (file.ends_with(ending)) return true;
  }
  return file.ends_with("CMakeLists.txt") || file.starts_with(".ci/");
}

TEST(Docs, EverySourceFileNamesItsLicence) {
  const std::vector<std::string> files = tracked_files();
  if (files.empty()) GTEST_SKIP() << RUNNER_METRICS_SOURCE_DIR << " is not a git checkout";
  const std::string tag = std::string("SPDX-License-") + "Identifier: Apache-2.0";
  std::size_t checked = 0;
  for (const std::string& file : files) {
    if (!is_source(file)) continue;
    const auto content = testing::read_file(std::string(RUNNER_METRICS_SOURCE_DIR) + "/" + file);
    if (!content) continue;
    ++checked;
    // In the first lines, after a shebang where there is one.
    EXPECT_NE(content->substr(0, 200).find(tag), std::string::npos) << file;
  }
  EXPECT_GT(checked, 100U);
}

}  // namespace
}  // namespace runner_metrics
