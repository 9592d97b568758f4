// The README's table of events and fields is made from the same
// descriptions as the serializer and the flags; this test keeps it so.
#include <gtest/gtest.h>

#include <fmt/format.h>

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
      table += fmt::format("| `{}` | `{}` | `--{}` | {}{} | {} |\n", type, path, flag,
                           kind_of<Member>(field.range), in_optional ? ", optional" : "",
                           field.help);
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

}  // namespace
}  // namespace runner_metrics
