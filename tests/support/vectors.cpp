// SPDX-License-Identifier: Apache-2.0
#include "support/vectors.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>

#include "support/process.hpp"

namespace runner_metrics::testing {

namespace {

struct Reader {
  const std::string& s;
  std::size_t pos = 0;

  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(fmt::format("vectors: {} at offset {} of {}", what, pos, s));
  }
  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  void expect(char c) {
    skip_space();
    if (pos >= s.size() || s[pos] != c) fail("unexpected character");
    ++pos;
  }

  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::uint32_t hex4() {
    if (pos + 4 > s.size()) fail("short \\u escape");
    const std::uint32_t v = static_cast<std::uint32_t>(std::stoul(s.substr(pos, 4), nullptr, 16));
    pos += 4;
    return v;
  }

  std::string string_value() {
    expect('"');
    std::string out;
    while (pos < s.size() && s[pos] != '"') {
      char c = s[pos++];
      if (c != '\\') {
        out += c;
        continue;
      }
      c = s[pos++];
      switch (c) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s.compare(pos, 2, "\\u") == 0) {
            const std::size_t save = pos;
            pos += 2;
            const std::uint32_t low = hex4();
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos = save;
            }
          }
          put_utf8(out, cp);
          break;
        }
        default:
          out += c;
      }
    }
    expect('"');
    return out;
  }

  JsonMember value(std::string name) {
    skip_space();
    JsonMember m;
    m.name = std::move(name);
    const std::size_t start = pos;
    if (s[pos] == '"') {
      m.is_string = true;
      m.text = string_value();
    } else if (s[pos] == '{') {
      m.members = object();
    } else {
      while (pos < s.size() && s[pos] != ',' && s[pos] != '}') ++pos;
    }
    m.raw = s.substr(start, pos - start);
    while (!m.raw.empty() && m.raw.back() == ' ') m.raw.pop_back();
    return m;
  }

  std::vector<JsonMember> object() {
    std::vector<JsonMember> members;
    expect('{');
    skip_space();
    if (s[pos] == '}') {
      ++pos;
      return members;
    }
    while (true) {
      std::string name = string_value();
      expect(':');
      members.push_back(value(std::move(name)));
      skip_space();
      if (s[pos] == '}') {
        ++pos;
        return members;
      }
      expect(',');
    }
  }
};

const JsonMember* find(const std::vector<JsonMember>& members, const std::string& name) {
  for (const auto& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace

std::vector<JsonMember> parse_json_object(const std::string& text) {
  Reader reader{text};
  return reader.object();
}

std::string Vector::event_name() const {
  if (type) return *type;
  const JsonMember* event = find(members, "event");
  return event != nullptr ? event->text : "";
}

std::string Vector::label() const { return fmt::format("{}:{}", file, line); }

std::vector<Vector> load_vectors(const std::string& file) {
  const std::string path = std::string(RUNNER_METRICS_SOURCE_DIR) + "/tests/data/" + file;
  const auto content = read_file(path);
  if (!content) throw std::runtime_error("cannot read " + path);
  std::vector<Vector> vectors;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < content->size();) {
    std::size_t end = content->find('\n', start);
    if (end == std::string::npos) end = content->size();
    const std::string line = content->substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty()) continue;
    const auto top = parse_json_object(line);
    Vector v;
    v.file = file;
    v.line = line_number;
    if (const auto* in = find(top, "in")) {
      v.input = in->raw;
      v.members = in->members;
    } else if (const auto* in_text = find(top, "in_text")) {
      v.input = in_text->text;
      v.members = parse_json_object(v.input);
    } else {
      throw std::runtime_error(fmt::format("{}:{} has no input", file, line_number));
    }
    if (const auto* type = find(top, "type")) v.type = type->text;
    if (const auto* out = find(top, "out")) v.out = out->text;
    if (const auto* error = find(top, "error")) v.error = error->text;
    vectors.push_back(std::move(v));
  }
  if (vectors.size() < 10) throw std::runtime_error(file + " holds too few vectors");
  return vectors;
}

}  // namespace runner_metrics::testing
