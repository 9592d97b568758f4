// SPDX-License-Identifier: Apache-2.0
#include "support/markup.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace runner_metrics::testing {

namespace {

constexpr std::array<std::string_view, 13> kVoid = {"area",   "base",  "br",    "col",  "embed",
                                                    "hr",     "img",   "input", "link", "meta",
                                                    "source", "track", "wbr"};

[[noreturn]] void fail(std::size_t at, const std::string& what) {
  throw std::runtime_error("markup at byte " + std::to_string(at) + ": " + what);
}

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

std::string decode(std::string_view text, std::size_t at) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t end = text.find(';', i);
    if (end == std::string_view::npos) fail(at + i, "a bare &");
    const std::string_view name = text.substr(i + 1, end - i - 1);
    if (name == "amp") {
      out += '&';
    } else if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "le") {
      append_utf8(out, 0x2264);
    } else if (name == "infin") {
      append_utf8(out, 0x221e);
    } else if (name.size() > 1 && name[0] == '#') {
      unsigned long code = 0;
      const bool hex = name[1] == 'x';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      const auto result =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (result.ec != std::errc{} || result.ptr != digits.data() + digits.size()) {
        fail(at + i, "a bad character reference");
      }
      append_utf8(out, code);
    } else {
      fail(at + i, "an unknown entity &" + std::string(name) + ";");
    }
    i = end;
  }
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == ':';
}

class Parser {
 public:
  explicit Parser(std::string_view html) : html_(html) {}

  std::unique_ptr<Element> parse() {
    auto root = std::make_unique<Element>();
    root->name = "#document";
    std::vector<Element*> open = {root.get()};
    if (html_.substr(0, 15) == "<!DOCTYPE html>") pos_ = 15;
    while (pos_ < html_.size()) {
      if (html_[pos_] != '<') {
        const std::size_t end = std::min(html_.find('<', pos_), html_.size());
        const std::string_view raw = html_.substr(pos_, end - pos_);
        if (raw.find('>') != std::string_view::npos) fail(pos_, "a stray >");
        const std::string text = decode(raw, pos_);
        open.back()->children.push_back({text, nullptr});
        pos_ = end;
        continue;
      }
      if (html_.substr(pos_, 4) == "<!--") {
        const std::size_t end = html_.find("-->", pos_);
        if (end == std::string_view::npos) fail(pos_, "an unclosed comment");
        pos_ = end + 3;
        continue;
      }
      if (html_.substr(pos_, 2) == "</") {
        const std::size_t end = html_.find('>', pos_);
        if (end == std::string_view::npos) fail(pos_, "an unclosed end tag");
        const std::string name(html_.substr(pos_ + 2, end - pos_ - 2));
        if (open.size() == 1 || open.back()->name != name) {
          fail(pos_, "</" + name + "> closes <" + open.back()->name + ">");
        }
        open.pop_back();
        pos_ = end + 1;
        continue;
      }
      start_tag(*open.back(), open);
    }
    if (open.size() != 1) fail(pos_, "<" + open.back()->name + "> is never closed");
    return root;
  }

 private:
  void start_tag(Element& parent, std::vector<Element*>& open) {
    const std::size_t at = pos_++;
    auto element = std::make_unique<Element>();
    while (pos_ < html_.size() && name_char(html_[pos_])) element->name += html_[pos_++];
    if (element->name.empty()) fail(at, "a stray <");
    bool closed = false;
    for (;;) {
      while (pos_ < html_.size() && std::isspace(static_cast<unsigned char>(html_[pos_]))) ++pos_;
      if (pos_ >= html_.size()) fail(at, "an unclosed tag");
      if (html_.substr(pos_, 2) == "/>") {
        closed = true;
        pos_ += 2;
        break;
      }
      if (html_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string key;
      while (pos_ < html_.size() && name_char(html_[pos_])) key += html_[pos_++];
      if (key.empty()) fail(pos_, "a bad attribute");
      std::string value;
      if (html_[pos_] == '=') {
        const char quote = html_[++pos_];
        if (quote != '"' && quote != '\'') fail(pos_, "an unquoted attribute value");
        const std::size_t end = html_.find(quote, ++pos_);
        if (end == std::string_view::npos) fail(pos_, "an unclosed attribute value");
        const std::string_view raw = html_.substr(pos_, end - pos_);
        if (raw.find('<') != std::string_view::npos) fail(pos_, "a < in an attribute value");
        value = decode(raw, pos_);
        pos_ = end + 1;
      }
      if (element->attribute(key)) fail(pos_, "attribute " + key + " given twice");
      element->attributes.emplace_back(std::move(key), std::move(value));
    }
    Element* raw = element.get();
    parent.children.push_back({{}, std::move(element)});
    const bool is_void = std::find(kVoid.begin(), kVoid.end(), raw->name) != kVoid.end();
    if (closed || is_void) return;
    if (raw->name == "style" || raw->name == "script") {
      const std::string end_tag = "</" + raw->name + ">";
      const std::size_t end = html_.find(end_tag, pos_);
      if (end == std::string_view::npos) fail(at, "an unclosed <" + raw->name + ">");
      raw->children.push_back({std::string(html_.substr(pos_, end - pos_)), nullptr});
      pos_ = end + end_tag.size();
      return;
    }
    open.push_back(raw);
  }

  std::string_view html_;
  std::size_t pos_ = 0;
};

void collect(const Element& element, std::string_view tag, std::string_view key,
             std::optional<std::string_view> value, std::vector<const Element*>& out) {
  for (const Node& node : element.children) {
    if (!node.element) continue;
    const Element& child = *node.element;
    if (tag.empty() || child.name == tag) {
      const auto attribute = key.empty() ? std::nullopt : child.attribute(key);
      if (key.empty() || (attribute && (!value || *attribute == *value))) out.push_back(&child);
    }
    collect(child, tag, key, value, out);
  }
}

}  // namespace

std::optional<std::string> Element::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string Element::text() const {
  std::string out;
  for (const Node& node : children) out += node.element ? node.element->text() : node.text;
  return out;
}

std::vector<const Element*> Element::find_all(std::string_view tag, std::string_view key,
                                              std::optional<std::string_view> value) const {
  std::vector<const Element*> out;
  collect(*this, tag, key, value, out);
  return out;
}

std::vector<const Element*> Element::with_class(std::string_view tag,
                                                std::string_view class_name) const {
  std::vector<const Element*> out;
  for (const Element* element : find_all(tag, "class")) {
    const std::string classes = " " + *element->attribute("class") + " ";
    if (classes.find(" " + std::string(class_name) + " ") != std::string::npos) {
      out.push_back(element);
    }
  }
  return out;
}

std::unique_ptr<Element> parse_markup(std::string_view html) { return Parser(html).parse(); }

}  // namespace runner_metrics::testing
