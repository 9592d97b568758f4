// SPDX-License-Identifier: Apache-2.0
// The report in a real browser: headless Chromium loads the page made by the
// runner-metrics binary, in the light and the dark colour scheme, and
// tests/support/report_browser.py says what it saw. Every chart panel must
// show something (enough pixels that are not its background, and its
// series' colours where it has data), the page must make no network request,
// log no error, run no script, and print to PDF.
//
// Without /usr/bin/chromium (and Pillow) these tests skip, saying so; on CI
// (CI=true), which installs both through scripts/dev.sh, they fail instead.
//
// Under AddressSanitizer the instrumented binary writes each page, whose
// panels are counted, and the test skips the look: Chromium is the same
// program in both builds, and its look takes most of these tests' time.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/log_builder.hpp"
#include "support/markup.hpp"
#include "support/process.hpp"
#include "support/sanitizer.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kScript = RUNNER_METRICS_SOURCE_DIR "/tests/support/report_browser.py";
constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z
// Lifecycle, jobs per day, runners, 5 durations, and 5 breakdowns.
constexpr std::size_t kPanels = 13;

std::optional<std::string> browser_missing() {
  if (!std::filesystem::exists(kChromium)) {
    return std::string(kChromium) + " is not installed (apt-get install chromium)";
  }
  if (run_process({kPython, "-c", "import PIL"}).exit_status != 0) {
    return std::string("Pillow is not installed (apt-get install python3-pil)");
  }
  return std::nullopt;
}

bool on_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

#define REQUIRE_BROWSER()                                                               \
  do {                                                                                  \
    if (const auto missing = browser_missing()) {                                       \
      if (on_ci()) FAIL() << *missing << "; CI must have it (scripts/dev.sh PACKAGES)"; \
      GTEST_SKIP() << *missing;                                                         \
    }                                                                                   \
  } while (false)

struct PanelLook {
  std::string id;
  bool empty = false;
  double pixels = 0;
  double not_background = 0;
  double series_pixels = 0;
  std::vector<std::string> outside;  // texts that stick out of the panel
  double text_contrast = 0;          // the lowest, of its texts against its background
};

struct ThemeLook {
  std::vector<std::int64_t> background;  // RGB of the page's corner
  std::vector<PanelLook> panels;
  std::int64_t scripts = -1;
  std::int64_t images = -1;
  double overflow_x = -1;  // pixels the page is wider than the window
};

struct BrowserLook {
  std::vector<std::string> requests;
  std::vector<std::string> errors;
  std::int64_t dialogs = -1;
  std::int64_t pdf_bytes = 0;
  ThemeLook light;
  ThemeLook dark;
};

std::vector<std::string> strings(simdjson::dom::array array) {
  std::vector<std::string> out;
  for (auto value : array) out.emplace_back(std::string_view(value.get_string()));
  return out;
}

ThemeLook theme(simdjson::dom::element json) {
  ThemeLook look;
  for (auto channel : json["background"].get_array()) look.background.push_back(channel);
  look.scripts = json["scripts"].get_int64();
  look.images = json["images"].get_int64();
  look.overflow_x = double(json["overflow_x"].get_double());
  for (auto panel : json["panels"].get_array()) {
    look.panels.push_back(
        {std::string(std::string_view(panel["id"].get_string())), panel["empty"].get_bool(),
         double(panel["pixels"].get_double()), double(panel["not_background"].get_double()),
         double(panel["series_pixels"].get_double()), strings(panel["outside"].get_array()),
         double(panel["text_contrast"].get_double())});
  }
  return look;
}

constexpr const char* kNoLookUnderAsan =
    "the page was written and its panels counted; Chromium's look is checked in the normal "
    "build, not under AddressSanitizer, which does not instrument Chromium";

// Writes the page with the real binary, and has Chromium look at it (not
// under AddressSanitizer: nullopt).
std::optional<BrowserLook> look_at(const std::string& log, const std::vector<std::string>& flags,
                                   std::size_t& panels_in_page) {
  TempDir dir;
  write_file(dir / "metrics.log", log);
  std::vector<std::string> args = {"report", dir / "metrics.log", "--output", dir / "report.html"};
  args.insert(args.end(), flags.begin(), flags.end());
  const auto made = run_cli(args);
  EXPECT_EQ(made.exit_status, 0) << made.err;
  const std::string html = read_file(dir / "report.html").value_or("");
  panels_in_page = testing::parse_markup(html)->with_class("figure", "panel").size();
  if constexpr (kAddressSanitizer) return std::nullopt;

  const auto seen = run_process({kPython, kScript, dir / "report.html"});
  EXPECT_EQ(seen.exit_status, 0) << seen.err;
  simdjson::dom::parser parser;
  const simdjson::dom::element json = parser.parse(seen.out);
  BrowserLook look;
  look.requests = strings(json["requests"].get_array());
  look.errors = strings(json["errors"].get_array());
  look.dialogs = json["dialogs"].get_int64();
  look.pdf_bytes = json["pdf_bytes"].get_int64();
  look.light = theme(json["themes"]["light"]);
  look.dark = theme(json["themes"]["dark"]);
  return look;
}

double luminance(const std::vector<std::int64_t>& rgb) {
  return 0.2126 * static_cast<double>(rgb.at(0)) + 0.7152 * static_cast<double>(rgb.at(1)) +
         0.0722 * static_cast<double>(rgb.at(2));
}

// What every page must be, whatever it shows.
void expect_a_good_page(const BrowserLook& look, std::size_t panels) {
  EXPECT_TRUE(look.requests.empty()) << "requested " << look.requests.front();
  EXPECT_TRUE(look.errors.empty()) << look.errors.front();
  EXPECT_EQ(look.dialogs, 0);
  EXPECT_GT(look.pdf_bytes, 1000) << "the page did not print";
  EXPECT_GT(luminance(look.light.background), 200);
  EXPECT_LT(luminance(look.dark.background), 60);
  for (const ThemeLook* theme : {&look.light, &look.dark}) {
    const char* name = theme == &look.light ? "light" : "dark";
    EXPECT_EQ(theme->scripts, 0) << name;
    EXPECT_EQ(theme->images, 0) << name;
    EXPECT_LE(theme->overflow_x, 0) << name << ": the page is wider than the window";
    ASSERT_EQ(theme->panels.size(), panels) << name;
    for (const PanelLook& panel : theme->panels) {
      // A bar chart of one bar is short; a time chart is taller than 100,000 pixels.
      ASSERT_GT(panel.pixels, 40000) << panel.id << " is too small to read";
      EXPECT_TRUE(panel.outside.empty())
          << name << " " << panel.id << ": " << panel.outside[0] << " sticks out";
      // WCAG AA for text (4.5:1), in both schemes.
      EXPECT_GE(panel.text_contrast, 4.5) << name << " " << panel.id;
      // A blank panel has 0; axes, lines and an empty state's message have more.
      EXPECT_GT(panel.not_background / panel.pixels, 0.004) << name << " " << panel.id;
      if (!panel.empty) {
        EXPECT_GE(panel.series_pixels, 20) << name << " " << panel.id;
      }
    }
  }
}

std::size_t empty_panels(const ThemeLook& theme) {
  std::size_t n = 0;
  for (const PanelLook& panel : theme.panels) n += panel.empty ? 1 : 0;
  return n;
}

TEST(ReportBrowser, AFleetLogByFlavorShowsEveryPanelInLightAndDarkWithNoRequestOrError) {
  REQUIRE_BROWSER();
  std::size_t panels = 0;
  const auto look =
      look_at(testing::random_log({.lines = 20000, .seed = 2}), {"--by", "flavor"}, panels);
  EXPECT_GE(panels, 2 * kPanels);
  if (!look) GTEST_SKIP() << kNoLookUnderAsan;
  expect_a_good_page(*look, panels);
  EXPECT_LT(empty_panels(look->light), panels / 2);
}

TEST(ReportBrowser, AnEmptyLogShowsTheEmptyStateInEveryPanel) {
  REQUIRE_BROWSER();
  std::size_t panels = 0;
  const auto look = look_at("", {}, panels);
  EXPECT_EQ(panels, kPanels);
  if (!look) GTEST_SKIP() << kNoLookUnderAsan;
  expect_a_good_page(*look, panels);
  EXPECT_EQ(empty_panels(look->light), kPanels);
}

TEST(ReportBrowser, OneEventIsVisible) {
  REQUIRE_BROWSER();
  std::size_t panels = 0;
  const auto look = look_at(installed_line(kT0, "small", 42), {}, panels);
  EXPECT_EQ(panels, kPanels);
  if (!look) GTEST_SKIP() << kNoLookUnderAsan;
  expect_a_good_page(*look, panels);
  EXPECT_EQ(empty_panels(look->light), kPanels - 2);  // lifecycle and installation have data
}

TEST(ReportBrowser, AYearLongLogIsDrawn) {
  REQUIRE_BROWSER();
  std::string log;
  for (int day = 0; day < 366; ++day) {
    const double t = kT0 + day * 86400.0;
    log += installed_line(t, "small", 60 + day % 50) + start_line(t + 60, "small", 5, 3.0) +
           stop_line(t + 600, "small", "normal", 500 + day) +
           reconciliation_line(t + 700, "small", day % 2, day % 9, 30);
  }
  std::size_t panels = 0;
  const auto look = look_at(log, {}, panels);
  EXPECT_EQ(panels, kPanels);
  if (!look) GTEST_SKIP() << kNoLookUnderAsan;
  expect_a_good_page(*look, panels);
  EXPECT_EQ(empty_panels(look->light), 2u);  // no stop has a conclusion or a code
}

TEST(ReportBrowser, HostileFlavorsRunNoScriptAndLoadNothing) {
  REQUIRE_BROWSER();
  std::string log;
  double t = kT0;
  for (const std::string flavor :
       {"<script>alert(1)</script>", R"("><img src="http://127.0.0.1:9/x" onerror=alert(1)>)",
        "<svg onload=alert(1)>", "<style>body{display:none}</style>"}) {
    t += 60;
    log += installed_line(t, flavor, 1) + stop_line(t + 1, flavor, flavor, 2);
  }
  std::size_t panels = 0;
  const auto look = look_at(log, {"--by", "flavor"}, panels);
  EXPECT_EQ(panels, 4 * kPanels);
  if (!look) GTEST_SKIP() << kNoLookUnderAsan;
  expect_a_good_page(*look, panels);
}

}  // namespace
}  // namespace runner_metrics
